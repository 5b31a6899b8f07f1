import { createSocketLock } from '../tabs/socket-lock.js';
import { type Connection, openConnection } from '../transport/connection.js';
import { bind, refuse } from './bind.js';
import { serverEvents } from './inbox.js';
import { fail, retryDelay, type Session } from './session.js';

/**
 * The connection of this tab to the session, as one explicit state:
 * - `idle`: no socket. The tab follows the tab that holds it (or there is nothing to hold).
 * - `connecting`: this tab holds the socket; it is opening, or socket.io is reconnecting it.
 * - `binding`: the socket is up and `session_init` is on its way.
 * - `bound`: the socket holds the session: it delivers the outbox and receives for every tab.
 * - `yielded`: another tab took the session; read-only for a few seconds, then `idle`.
 */
export type LinkState = 'idle' | 'connecting' | 'binding' | 'bound' | 'yielded';

/** What happens to the connection; each moves it from one state to another (see `NEXT`). */
export type LinkEvent =
  /** This tab now holds the socket (the tabs' lock granted it). */
  | 'hold'
  /** The socket connected, or reconnected. */
  | 'socketUp'
  /** The server answered `session_init`: the session is this socket's. */
  | 'bound'
  /** The socket dropped; socket.io reconnects it. */
  | 'socketDown'
  /** Say `session_init` again on the same socket (new contact details, refused as not bound). */
  | 'rebind'
  /** Another tab took the session (its send took the lock, or the server said so). */
  | 'takenOver'
  /** The read-only period after a takeover is over. */
  | 'holdPassed'
  /** Nothing to hold any more: cleared, evicted, refused, destroyed. */
  | 'release';

/** The transitions. An event a state does not list changes nothing. */
const NEXT: Record<LinkState, Partial<Record<LinkEvent, LinkState>>> = {
  idle: { hold: 'connecting' },
  connecting: { socketUp: 'binding', takenOver: 'idle', release: 'idle' },
  binding: { bound: 'bound', socketDown: 'connecting', takenOver: 'yielded', release: 'idle' },
  bound: { socketDown: 'connecting', rebind: 'binding', takenOver: 'yielded', release: 'idle' },
  yielded: { holdPassed: 'idle', hold: 'connecting', release: 'idle' },
};

/** The state `event` leads to from `state`, or undefined when it does not apply there. */
export function nextLinkState(state: LinkState, event: LinkEvent): LinkState | undefined {
  return NEXT[state][event];
}

/** What binding came to: the session is held, try again in so many ms, or nothing to hold. */
export type BindOutcome = 'bound' | 'release' | number;

export interface Link {
  state(): LinkState;
  /** The socket while this tab has one open. */
  socket(): Promise<Connection | undefined> | undefined;
  /**
   * There is a session to follow: wait in line for the socket. Without Web Locks a tab connects
   * only for what it found at load (`atLoad`), as before.
   */
  follow(atLoad?: boolean): void;
  /** Take the socket now, to send. Not while read-only: what is sent then, the holder delivers. */
  take(): void;
  /** The server says another socket took the session. */
  takenOver(): void;
  /** Another tab went away: without Web Locks, the tab the visitor looks at takes over. */
  vacated(): void;
  rebind(): void;
  /**
   * The server should hear `session_init` again (new contact details or identity): at once when
   * bound; when one is on its way without them, right after its answer.
   */
  retell(): void;
  /** Nothing to hold: give up the socket and the place in line. */
  release(): void;
}

/** Socket states in which this tab holds the socket, and in which that socket is up. */
const HOLDING: readonly LinkState[] = ['connecting', 'binding', 'bound'];
const UP: readonly LinkState[] = ['binding', 'bound'];

/**
 * The connection's state machine and what each transition does: open and close the socket,
 * bind, start the read-only period, and tell the UI and the other tabs. Which tab may hold the
 * socket is the tabs' lock's to say (`tabs/socket-lock.ts`).
 */
export function createLink(s: Session): Link {
  const { schedule, options } = s;
  let state: LinkState = 'idle';
  let socket: Promise<Connection | undefined> | undefined;
  /** Bumped on every transition: a `session_init` answer from before one is stale. */
  let attempt = 0;
  let cancelTimer = () => {};
  /** The connection's code failed to load once already (said once). */
  let loadFailed = false;
  /** `session_init`s built so far; `retell()` during the one numbered here asks for another. */
  let inits = 0;
  let retellAfter = -1;

  const lock = createSocketLock({
    name: `leflux:socket:${s.siteKey}`,
    granted: () => go('hold'),
    lost: yieldSocket,
    locks: options.locks,
  });

  function go(event: LinkEvent): void {
    const next = nextLinkState(state, event);
    if (next === undefined) return;
    const previous = state;
    state = next;
    attempt++;
    cancelTimer();
    if (next === 'connecting' && !socket) open();
    if (next === 'binding') void bindNow();
    if (next === 'idle' || next === 'yielded') close();
    if (next === 'yielded')
      cancelTimer = schedule(options.takeoverHoldMs ?? 2_000, () => go('holdPassed'));
    // What the UI shows, and what the tabs that follow this one learn.
    const up = UP.includes(next);
    if (up !== UP.includes(previous)) s.tabs.post({ type: 'link', connected: up });
    s.store.setState({
      readOnly: next === 'yielded',
      connected: HOLDING.includes(next) ? up : s.holderUp,
    });
    if (next === 'yielded') s.emitter.emit('takeover', undefined);
    if (next === 'bound') void s.outbox.flush();
  }

  function open(): void {
    // A socket closed meanwhile (it closes asynchronously) has nothing more to say.
    const from = (event: LinkEvent) => () => {
      if (socket === opening) go(event);
    };
    const opening: Promise<Connection | undefined> = (options.connect ?? openConnection)({
      server: s.server,
      siteKey: s.siteKey,
      schedule,
      events: {
        connected: from('socketUp'),
        disconnected: from('socketDown'),
        // Only the open socket reports: a closed one has no listeners left.
        refused(why) {
          refuse(s, why);
          release();
        },
        ...serverEvents(s),
      },
    }).catch((cause: unknown) => {
      if (socket === opening) {
        socket = undefined;
        // Its code could not be fetched (the server or the network is down): say so once, keep
        // this tab's turn, and try again as socket.io does for a connection.
        if (!loadFailed) fail(s, 'connect_failed', 'could not load the chat connection', cause);
        loadFailed = true;
        cancelTimer = schedule(retryDelay(s), () => {
          if (state === 'connecting' && !socket) open();
        });
      }
      return undefined;
    });
    socket = opening;
  }

  function close(): void {
    void socket?.then((connection) => connection?.close());
    socket = undefined;
  }

  async function bindNow(): Promise<void> {
    const mine = attempt;
    const current = () => mine === attempt;
    const connection = await socket;
    if (!current() || !connection) return;
    const init = ++inits;
    const outcome = await bind(s, connection, current);
    if (!current()) return;
    if (outcome === 'bound') {
      go('bound');
      if (retellAfter === init && state === 'bound') go('rebind');
    } else if (outcome === 'release') release();
    else
      cancelTimer = schedule(outcome, () => {
        if (current()) void bindNow();
      });
  }

  /** Another tab has the socket now: read-only for a while, then wait in line again. */
  function yieldSocket(): void {
    go('takenOver');
    if (lock.elected) lock.follow();
  }

  function release(): void {
    lock.release();
    go('release');
  }

  return {
    state: () => state,
    socket: () => socket,
    follow(atLoad = false) {
      if (lock.elected || atLoad) lock.follow();
    },
    take() {
      if (state === 'yielded') return;
      if (lock.holding()) go('hold');
      else lock.take();
    },
    takenOver() {
      lock.release();
      yieldSocket();
    },
    vacated() {
      if (!lock.elected && !lock.holding() && s.isVisible()) lock.take();
    },
    rebind: () => go('rebind'),
    retell() {
      if (state === 'bound') go('rebind');
      // Its session_init went out before what is new; a later attempt builds a new one.
      else if (state === 'binding') retellAfter = inits;
    },
    release,
  };
}

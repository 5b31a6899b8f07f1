/**
 * Stand-ins for what the client talks to, for its unit tests: the server's side of the socket,
 * the tabs' channel, Web Locks, localStorage and timers, each behaving as the real one does.
 */
import type { ChatMessage, SessionInitPayload, VisitorMessagePayload } from '../protocol/index.js';
import type { Schedule } from './schedule.js';
import type { TabMessage, TabSync } from './tabs/tab-sync.js';
import {
  type Connection,
  type ConnectionEvents,
  type ConnectionOptions,
  noAnswer,
} from './transport/connection.js';

/**
 * Everything in the client's unit tests runs on microtasks (memory history, this fake server,
 * the fake tab channel): once a macrotask comes round, no work is pending. The barrier for
 * "nothing (more) happened" assertions.
 */
export const drained = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Tabs of one browser in one test: what one posts, the others receive (asynchronously, like BroadcastChannel). */
export function fakeTabBus() {
  const tabs = new Set<(m: TabMessage) => void>();
  return (onMessage: (m: TabMessage) => void): TabSync => {
    tabs.add(onMessage);
    return {
      transport: 'broadcast-channel',
      post: (m) => {
        const copy = structuredClone(m);
        for (const tab of tabs) if (tab !== onMessage) queueMicrotask(() => tab(copy));
      },
      close: () => void tabs.delete(onMessage),
    };
  };
}

/** A Storage backed by a Map, shared between client instances like a real profile's localStorage. */
export function fakeLocalStorage(): Storage {
  const map = new Map<string, string>();
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, String(v)),
    removeItem: (k: string) => void map.delete(k),
    clear: () => map.clear(),
    key: (i: number) => [...map.keys()][i] ?? null,
    get length() {
      return map.size;
    },
  };
}

/**
 * localStorage as Chromium shares it between tabs in different processes: each tab reads its
 * own copy at once, and another tab's writes reach it a little later (here: on `sync()`), so a
 * BroadcastChannel message can arrive before the write it announces.
 */
export function laggingLocalStorage() {
  const copies = new Set<Map<string, string>>();
  const queued: Array<() => void> = [];
  const spread = (from: Map<string, string>, change: (copy: Map<string, string>) => void) => {
    change(from);
    for (const copy of copies) if (copy !== from) queued.push(() => change(copy));
  };
  return {
    /** One tab's localStorage. */
    tab(): Storage {
      const map = new Map<string, string>();
      copies.add(map);
      return {
        getItem: (k: string) => map.get(k) ?? null,
        setItem: (k: string, v: string) => spread(map, (m) => void m.set(k, String(v))),
        removeItem: (k: string) => spread(map, (m) => void m.delete(k)),
        clear: () => spread(map, (m) => m.clear()),
        key: (i: number) => [...map.keys()][i] ?? null,
        get length() {
          return map.size;
        },
      };
    },
    /** Every tab now sees every write. */
    sync() {
      for (const apply of queued.splice(0)) apply();
    },
  };
}

/** Timers the test moves by hand: `advance(ms)` runs what falls due, in order. */
export function fakeTimers() {
  let now = 0;
  const due: Array<{ at: number; run: () => void }> = [];
  const schedule: Schedule = (ms, run) => {
    const task = { at: now + ms, run };
    due.push(task);
    return () => {
      const i = due.indexOf(task);
      if (i >= 0) due.splice(i, 1);
    };
  };
  return {
    schedule,
    /** Timers set and not yet run or cancelled. */
    pending: () => due.length,
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        due.sort((a, b) => a.at - b.at);
        const next = due[0];
        if (!next || next.at > until) break;
        due.shift();
        now = next.at;
        next.run();
      }
      now = until;
    },
  };
}

/**
 * Web Locks for one origin, as browsers run them: one holder per name, others in line (first
 * come, first served), `steal` breaks the held lock (its request rejects with AbortError), a
 * `signal` takes a request out of the line.
 */
export function fakeLocks(): LockManager {
  const abortError = () => new DOMException('aborted', 'AbortError');
  const held = new Map<string, { reject: (e: unknown) => void }>();
  const line: Array<{ name: string; start: () => void }> = [];
  const next = (name: string) => {
    const i = line.findIndex((w) => w.name === name);
    if (i >= 0) line.splice(i, 1)[0]?.start();
  };
  const request = (
    name: string,
    options: LockOptions,
    callback: (lock: Lock | null) => unknown,
  ): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const start = () => {
        const entry = { reject };
        held.set(name, entry);
        Promise.resolve()
          .then(() => callback({ name, mode: 'exclusive' } as Lock))
          .then(
            (value) => {
              if (held.get(name) !== entry) return;
              held.delete(name);
              resolve(value);
              next(name);
            },
            (error) => {
              if (held.get(name) !== entry) return;
              held.delete(name);
              reject(error);
              next(name);
            },
          );
      };
      if (options.steal) {
        held.get(name)?.reject(abortError());
        held.delete(name);
        start();
      } else if (!held.has(name) && !line.some((w) => w.name === name)) {
        start();
      } else {
        const waiting = { name, start };
        line.push(waiting);
        options.signal?.addEventListener('abort', () => {
          const i = line.indexOf(waiting);
          if (i < 0) return;
          line.splice(i, 1);
          reject(abortError());
        });
      }
    });
  return {
    request: ((name: string, a: unknown, b?: unknown) =>
      typeof a === 'function'
        ? request(name, {}, a as (lock: Lock | null) => unknown)
        : request(
            name,
            a as LockOptions,
            b as (lock: Lock | null) => unknown,
          )) as LockManager['request'],
    query: async () => ({ held: [], pending: [] }),
  };
}

/** One socket as the fake server sees it. */
interface FakeSocket {
  name: string;
  events: ConnectionEvents;
  sessionId?: string;
  open: boolean;
}

/**
 * The server's side of the socket, in memory, as the real gateway behaves: sessions, one socket
 * holding each (a newer `session_init` wins and the older socket is told `taken_over`), dedupe
 * by message id, replay by sequence. It records every delivery that reaches it, duplicates too.
 */
export class FakeServer {
  sessions = new Map<string, { token: string; messages: ChatMessage[]; holder?: FakeSocket }>();
  inits: SessionInitPayload[] = [];
  /** Every `visitor_message` that reached the server, in order, resends included. */
  deliveries: VisitorMessagePayload[] = [];
  /** Sockets opened, by the name of the client that opened them. */
  sockets: FakeSocket[] = [];
  /**
   * What becomes of the next `visitor_message`s: answered (`ok`), lost on the way so the server
   * never sees them (`lost`), or stored while the answer is lost (`ackLost`). The client sees
   * the last two alike: no answer.
   */
  network: 'ok' | 'lost' | 'ackLost' = 'ok';
  /** While set, `session_init` answers wait for it (a slow server). */
  initGate?: Promise<void>;
  /** Rewrites answers and events on their way to the client (a broken proxy, a buggy server). */
  tamper?: (answer: unknown) => unknown;
  actionResults: unknown[] = [];
  retention?: unknown;
  /** Refusals the next `session_init`s / `visitor_message`s get instead of an answer, in order. */
  refuse: { session_init: unknown[]; visitor_message: unknown[] } = {
    session_init: [],
    visitor_message: [],
  };
  /** While set, every socket's handshake is refused, saying this (`refused`, no `connected`). */
  handshakeRefusal?: string;
  private nextId = 1;

  /** The `connect` option of the client named `name`. */
  connector = (name: string) => async (options: ConnectionOptions) => this.open(name, options);
  connect = this.connector('client');

  private async open(name: string, options: ConnectionOptions): Promise<Connection> {
    const socket: FakeSocket = { name, events: options.events, open: true };
    this.sockets.push(socket);
    const refusal = this.handshakeRefusal;
    const answer = (value: unknown) => (this.tamper ? this.tamper(value) : value);
    const conn: Connection = {
      get connected() {
        return socket.open;
      },
      init: async (payload) => answer(await this.init(socket, payload)),
      sendMessage: async (payload) => answer(await this.message(socket, payload)),
      reportAction: (result) => void this.actionResults.push(result),
      close: () => {
        socket.open = false;
      },
    };
    queueMicrotask(() =>
      refusal === undefined ? socket.events.connected() : socket.events.refused(refusal),
    );
    return conn;
  }

  /** Names of the clients that opened a socket, in order. */
  get connected(): string[] {
    return this.sockets.map((s) => s.name);
  }

  /** The socket holding session `id` (the latest one's when not given). */
  holder(id = [...this.sessions.keys()].at(-1)): FakeSocket | undefined {
    return id ? this.sessions.get(id)?.holder : undefined;
  }

  /** What the server stored of session `id`'s visitor messages. */
  stored(id: string): string[] {
    return (this.sessions.get(id)?.messages ?? [])
      .filter((m) => m.author === 'visitor')
      .map((m) => m.text);
  }

  private async init(socket: FakeSocket, payload: SessionInitPayload) {
    this.inits.push(payload);
    await this.initGate;
    if (this.refuse.session_init.length > 0) return this.refuse.session_init.shift();
    let id = payload.sessionId;
    if (id) {
      const s = this.sessions.get(id);
      if (!s) return { ok: false, error: { code: 'session_not_found', message: 'gone' } };
    } else {
      id = `s${this.nextId++}`;
      this.sessions.set(id, { token: `t${id}`, messages: [] });
    }
    const session = this.sessions.get(id)!;
    const previous = session.holder;
    session.holder = socket;
    socket.sessionId = id;
    if (previous && previous !== socket && previous.open) previous.events.taken_over({});
    return {
      ok: true,
      sessionId: id,
      token: session.token,
      resumed: payload.sessionId !== undefined,
      missed: session.messages.filter((m) => (m.seq ?? 0) > (payload.lastSeq ?? 0)),
      ...(this.retention && !payload.sessionId ? { retention: this.retention } : {}),
    };
  }

  private async message(socket: FakeSocket, payload: VisitorMessagePayload) {
    if (this.network === 'lost') return noAnswer;
    if (this.refuse.visitor_message.length > 0) return this.refuse.visitor_message.shift();
    const session = socket.sessionId ? this.sessions.get(socket.sessionId) : undefined;
    if (!session) return { ok: false, error: { code: 'not_bound', message: 'init first' } };
    if (session.holder !== socket)
      return { ok: false, error: { code: 'not_bound', message: 'another socket holds it' } };
    this.deliveries.push(payload);
    let stored = session.messages.find((m) => m.id === payload.id);
    const duplicate = stored !== undefined;
    if (!stored) {
      stored = {
        id: payload.id,
        author: 'visitor',
        text: payload.text,
        at: payload.sentAt,
        seq: session.messages.length + 1,
      };
      session.messages.push(stored);
    }
    if (this.network === 'ackLost') return noAnswer;
    return { ok: true, seq: stored.seq, duplicate };
  }

  /** The agent says `text` in session `id` (the latest one when not given). */
  reply(text: string, id = [...this.sessions.keys()].at(-1)!) {
    const s = this.sessions.get(id)!;
    const m = { id: `a${s.messages.length + 1}`, text, at: 5, seq: s.messages.length + 1 };
    s.messages.push({ ...m, author: 'agent' });
    if (s.holder?.open) s.holder.events.agent_message(m);
  }

  /** The server evicts session `id` and tells the socket holding it. */
  evict(id: string) {
    const holder = this.sessions.get(id)?.holder;
    this.sessions.delete(id);
    if (holder?.open) holder.events.session_evicted({});
  }

  /** POST /api/session/:id */
  fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const id = decodeURIComponent(String(input).split('/').pop()!);
    const s = this.sessions.get(id);
    if (!s)
      return new Response(JSON.stringify({ error: { code: 'session_not_found' } }), {
        status: 404,
      });
    if (init?.method === 'DELETE') {
      this.sessions.delete(id);
      return new Response(null, { status: 204 });
    }
    if (JSON.parse(String(init?.body)).token !== s.token)
      return new Response('{}', { status: 401 });
    return Response.json({ session: { id }, history: s.messages, task: null });
  }) as typeof fetch;
}

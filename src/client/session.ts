import { nanoid } from 'nanoid';
import { type ContactDetails, validateContact } from '../protocol/contact.js';
import {
  type ChatMessage,
  CLIENT_RETENTION_DEFAULTS,
  type Failure,
  LIMITS,
  type SessionInitPayload,
  validateAgentMessage,
  validateRetention,
} from '../protocol/index.js';
import { createActivityTracker } from './activity.js';
import { createAgentTask } from './agent-task.js';
import { createConversation } from './conversation.js';
import { createEmitter } from './emitter.js';
import { type ClientErrorCode, LeFluxError } from './errors.js';
import { createStateStore } from './state.js';
import { type HistoryStore, openHistory, type StoredMessage } from './storage/history.js';
import { persistentStorage } from './storage/raw-storage.js';
import { type SessionRecord, sessionRecords } from './storage/session-records.js';
import { createTabSync, type TabMessage } from './tabs/tab-sync.js';
import { type Connection, openConnection } from './transport/connection.js';
import { purgeSession, restoreSession } from './transport/session-api.js';
import type { ClientEvents, ClientOptions, ClientState, LeFluxClient } from './types.js';
import { createTypingIndicator } from './typing.js';
import { visitorId } from './visitor-id.js';

/**
 * How many of the newest cached messages a reload reads before the rest: more than the first
 * render shows (15 rows), so scrolling up a little never waits; each one read and checked is
 * on the way to the first paint.
 */
const TAIL_SIZE = 40;
/** The rest of the cached history is read in pages this long: each a task of a few ms. */
const OLDER_PAGE = 1000;

/**
 * Creates the headless client: reads the cached session, restores it through the server,
 * keeps the socket, the outbox, the history and the other tabs in step.
 *
 * @example
 * const client = createClient({ server: 'https://chat.example.com', siteKey: 'acme' });
 * client.subscribe((state) => render(state.messages));
 * await client.send('Hello');
 */
export function createClient(options: ClientOptions): LeFluxClient {
  const siteKey = options.siteKey ?? 'default';
  const server = options.server.replace(/\/+$/, '');
  const now = options.now ?? Date.now;
  /** The browser's record lifetimes; the site's settings (from the server) may shorten them. */
  const defaults = {
    sessionTtlMs: options.sessionTtlMs ?? CLIENT_RETENTION_DEFAULTS.sessionTtlMs,
    userTtlMs: options.userTtlMs ?? CLIENT_RETENTION_DEFAULTS.userTtlMs,
  };
  let retention = defaults;
  const takeoverHoldMs = options.takeoverHoldMs ?? 5_000;
  const page =
    options.page ??
    (() => ({ url: location.href, title: document.title.slice(0, LIMITS.maxTitleLength) }));
  const isVisible =
    options.isVisible ??
    (() => typeof document === 'undefined' || document.visibilityState === 'visible');
  const connect = options.connect ?? openConnection;

  const storage = persistentStorage(options.localStorage ?? (() => globalThis.localStorage));
  const records = sessionRecords({
    storage,
    now,
    sessionTtlMs: () => retention.sessionTtlMs,
    userTtlMs: () => retention.userTtlMs,
  });
  const emitter = createEmitter<ClientEvents>();
  const cleanups: Array<() => void> = [];
  const conversation = createConversation();

  let session = readSession();
  const store = createStateStore<ClientState>({
    phase: 'loading',
    open: records.widget.read()?.open ?? options.defaultOpen ?? false,
    messages: [],
    sessionId: session?.id ?? null,
    connected: false,
    readOnly: false,
    user: contactOf(records.user.read()),
    task: null,
    typing: false,
  });
  const typing = createTypingIndicator(store);

  let history: HistoryStore | undefined;
  let connection: Promise<Connection | undefined> | undefined;
  /** The current socket has sent `session_init` and holds the session. */
  let bound = false;
  let binding: Promise<boolean> | undefined;
  /** Another tab took the session: do not take it back on a mere reconnect, only when the visitor acts. */
  let yielded = false;
  let readOnlyTimer: ReturnType<typeof setTimeout> | undefined;
  let flushing: Promise<void> = Promise.resolve();
  /** Keeps this tab's message times strictly increasing, so the outbox order is the typing order. */
  let lastSentAt = 0;
  let destroyed = false;
  let originRefused = false;
  /** Counts clears: a history read that began before one is stale by the time it lands. */
  let resets = 0;

  const tabs = (options.tabs ?? ((onMessage) => createTabSync({ siteKey, onMessage })))(
    onTabMessage,
  );

  const activity = createActivityTracker({ now, isVisible, readSession, updateSession });

  const task = createAgentTask({
    store,
    emitter,
    runStep: options.runStep,
    report: async (result) => (await connection)?.reportAction(result),
  });

  const fail = (code: ClientErrorCode, message: string, cause?: unknown) =>
    emitter.emit('error', new LeFluxError(code, message, { cause }));

  function readSession(): SessionRecord | undefined {
    const record = records.session.read();
    return record?.siteKey === siteKey ? record : undefined;
  }

  function render(): void {
    store.setState({ messages: conversation.list() });
  }

  /**
   * Applies changes made in this tab: on screen first (the visitor sees it at once), then
   * IndexedDB, then the other tabs. Resolves once stored.
   */
  function commit(copies: StoredMessage[]): Promise<void> {
    const changed = conversation.apply(copies);
    if (changed.length === 0) return Promise.resolve();
    render();
    tabs.post({ type: 'messages', messages: changed });
    return (history?.put(changed) ?? Promise.resolve()).catch((cause) =>
      fail('storage_failed', 'could not store messages; they are kept for this page only', cause),
    );
  }

  function toStored(message: ChatMessage, sessionId: string): StoredMessage {
    return { ...message, siteKey, status: 'sent', sessionId };
  }

  /** The server no longer knows the session: keep its messages on screen as an earlier conversation. */
  async function archiveSession(): Promise<void> {
    forgetSession();
    const changes = conversation.archive(now());
    if (changes.length === 0) return;
    render();
    tabs.post({ type: 'messages', messages: changes });
    await history?.put(changes).catch(() => undefined);
  }

  function forgetSession(): void {
    session = undefined;
    bound = false;
    records.session.remove();
    store.setState({ sessionId: null });
    tabs.post({ type: 'session', sessionId: null });
  }

  function saveSession(id: string, token: string, created: boolean): void {
    const isNew = session?.id !== id;
    const stored = readSession();
    const previous = stored?.id === id ? stored : undefined;
    const at = now();
    session = { ...previous, id, token, siteKey, savedAt: at };
    if (created) session.startedAt = at;
    const lastAction = activity.lastAction();
    if (lastAction !== undefined)
      session.lastActiveAt = Math.max(lastAction, session.lastActiveAt ?? 0);
    records.session.write(session);
    store.setState({ sessionId: id });
    if (isNew) {
      activity.sessionStarted(at);
      tabs.post({ type: 'session', sessionId: id });
    }
    if (created) {
      const user = records.user.read();
      if (user?.firstSessionAt === undefined) records.user.write({ ...user, firstSessionAt: at });
    }
  }

  /** Read-modify-write of the session record, so tabs writing at once do not undo each other. */
  function updateSession(patch: (current: SessionRecord) => Partial<SessionRecord>): void {
    const current = readSession();
    if (!current) return;
    session = { ...current, ...patch(current), savedAt: now() };
    records.session.write(session);
  }

  function ensureConnection(): Promise<Connection | undefined> {
    connection ??= connect({
      server,
      events: {
        connected() {
          store.setState({ connected: true });
          if (!yielded && (session || conversation.pending().length > 0)) void bind();
        },
        disconnected() {
          bound = false;
          store.setState({ connected: false });
        },
        agentMessage: onAgentMessage,
        agentTyping() {
          typing.show();
          tabs.post({ type: 'typing' });
        },
        takenOver: onTakenOver,
        evicted() {
          // A purge from Clear in another tab can reach this socket before that tab's message
          // does. The record is already gone then: this is a clear, not an eviction to archive.
          if (!readSession()) resetConversation();
          else void archiveSession();
        },
        action: (raw) => void task.onAction(raw),
        taskAborted: ({ taskId }) => task.end(taskId, 'aborted'),
        taskDone: ({ taskId }) => task.end(taskId, 'done'),
      },
    }).catch((cause) => {
      connection = undefined;
      fail('connect_failed', 'could not load the chat connection', cause);
      return undefined;
    });
    return connection;
  }

  function dropConnection(): void {
    const current = connection;
    connection = undefined;
    bound = false;
    store.setState({ connected: false });
    void current?.then((conn) => conn?.close());
  }

  /** Sends `session_init` on the current socket: resumes the stored session or starts one. */
  function bind(): Promise<boolean> {
    binding ??= (async () => {
      // A clear (here or in another tab) while this runs makes its answer stale: drop it.
      const epoch = resets;
      const conn = await ensureConnection();
      if (!conn?.connected) return false;
      const { url, title } = page();
      // Another tab may have started or ended the session since we last looked.
      session = readSession();
      const payload: SessionInitPayload = { siteKey, url, title, ...visitor(), ...contact() };
      if (session) {
        Object.assign(payload, {
          sessionId: session.id,
          token: session.token,
          lastSeq: conversation.lastSeq(),
        });
      }
      let result = await conn.init(payload);
      if (!result.ok && isGone(result)) {
        await archiveSession();
        result = await conn.init({ siteKey, url, title, ...visitor(), ...contact() });
      }
      if (!result.ok) {
        if (result.error.code === 'origin_not_allowed') refuseOrigin(result.error.message);
        return false;
      }
      if (resets !== epoch) return false;
      yielded = false;
      setReadOnly(false);
      saveSession(result.sessionId, result.token, !result.resumed);
      await commit(result.missed.map((m) => toStored(m, result.sessionId)));
      if (result.task !== undefined) task.show(result.task);
      applyRetention(result.retention);
      bound = true;
      void flush();
      return true;
    })().finally(() => {
      binding = undefined;
    });
    return binding;
  }

  /** Contact details the server should know, so the agent does not ask again. */
  const contact = (): { contact?: ContactDetails } => {
    const user = contactOf(records.user.read());
    return Object.keys(user).length > 0 ? { contact: user } : {};
  };

  /** The visitor id to send, unless the site opted out (`data-no-visitor-id`). */
  const visitor = (): { visitorId?: string } => {
    if (options.visitorIdCookie === false) return {};
    const id = visitorId();
    return id ? { visitorId: id } : {};
  };

  /**
   * The site's settings do not allow this page's origin: a setup problem, not a blip. Say so once
   * (console and `error` event) and mark what waits in the outbox as not sent, instead of
   * "Sending…" forever.
   */
  function refuseOrigin(message: string): void {
    const pending = conversation.pending().map((m) => ({ ...m, status: 'failed' as const }));
    void commit(pending);
    if (originRefused) return;
    originRefused = true;
    console.error(
      `[leflux] the server refused this page's origin for site "${siteKey}": ${message}`,
    );
    fail('origin_not_allowed', message);
  }

  const isGone = (f: Failure) =>
    f.error.code === 'session_not_found' || f.error.code === 'unauthorized';

  /**
   * Delivers pending visitor messages — this tab's and other tabs' (the outbox is shared) — in
   * order, one at a time. The server dedupes resent ids.
   */
  function flush(): Promise<void> {
    flushing = flushing.then(async () => {
      const conn = await connection;
      for (const message of conversation.pending()) {
        if (!conn || !bound || !session) return;
        // Another copy of this flush (or another tab) may have delivered it meanwhile.
        if (conversation.get(message.id)?.status !== 'pending') continue;
        const result = await conn.sendMessage({
          id: message.id,
          text: message.text,
          url: page().url,
          sentAt: message.at,
        });
        if (result.ok) {
          // Cleared while the ack was on its way: do not bring the message back.
          if (!conversation.get(message.id)) return;
          await commit([{ ...message, status: 'sent', seq: result.seq, sessionId: session.id }]);
          updateSession(() => ({}));
        } else if (result.error.code === 'invalid_payload') {
          await commit([{ ...message, status: 'failed' }]);
          fail('send_failed', `message refused: ${result.error.message}`);
        } else {
          // Not bound any more, or no answer: the next bind flushes again.
          if (result.error.code === 'not_bound') bound = false;
          return;
        }
      }
    });
    return flushing;
  }

  function onAgentMessage(raw: unknown): void {
    const checked = validateAgentMessage(raw);
    if (!session || !checked.ok) return;
    const { author = 'agent', ...payload } = checked.value;
    const message: ChatMessage = { ...payload, author };
    typing.hide();
    void commit([toStored(message, session.id)]);
    emitter.emit('message', message);
  }

  /** Takes the site's retention; records written from now on, and the current ones, follow it. */
  function applyRetention(raw: unknown): void {
    if (raw === undefined) return;
    const checked = validateRetention(raw, defaults);
    if (!checked.ok) return;
    const next = checked.value;
    if (next.sessionTtlMs === retention.sessionTtlMs && next.userTtlMs === retention.userTtlMs)
      return;
    retention = next;
    // Rewrite with the new expiry, so a shorter lifetime holds on the next page load too.
    for (const record of [records.session, records.widget, records.user] as const) {
      const data = record.read();
      if (data) (record.write as (d: typeof data) => void)(data);
    }
  }

  function setReadOnly(readOnly: boolean): void {
    clearTimeout(readOnlyTimer);
    store.setState({ readOnly });
    if (readOnly)
      readOnlyTimer = setTimeout(() => store.setState({ readOnly: false }), takeoverHoldMs);
  }

  function onTakenOver(): void {
    bound = false;
    yielded = true;
    setReadOnly(true);
    emitter.emit('takeover', undefined);
  }

  /** Another tab changed something it has already stored: mirror it here, store nothing. */
  function onTabMessage(message: TabMessage): void {
    if (destroyed) return;
    switch (message.type) {
      case 'messages': {
        const changed = conversation.apply(message.messages);
        if (changed.length === 0) return;
        if (changed.some((m) => m.author !== 'visitor')) typing.hide();
        render();
        // This tab may hold the socket: it delivers the shared outbox.
        if (bound && changed.some((m) => m.status === 'pending')) void flush();
        return;
      }
      case 'widget':
        if (store.getState().open === message.open) return;
        store.setState({ open: message.open });
        emitter.emit(message.open ? 'open' : 'close', undefined);
        return;
      case 'session':
        session = readSession();
        if (session?.id !== message.sessionId) bound = false;
        store.setState({ sessionId: session?.id ?? null });
        return;
      case 'clear':
        // Already done here if the server's purge arrived first (see `evicted`).
        if (session || conversation.list().length > 0) resetConversation();
        return;
      case 'user':
        store.setState({ user: contactOf(records.user.read()) });
        return;
      case 'typing':
        typing.show();
        return;
      case 'bye':
        // The tab that held the socket may be gone: the one the visitor looks at takes over.
        if (yielded && isVisible()) void bind();
        return;
    }
  }

  /** Local part of clearing, shared by the tab that cleared and the tabs that hear of it. */
  function resetConversation(): void {
    resets++;
    session = readSession();
    yielded = false;
    setReadOnly(false);
    dropConnection();
    conversation.clear();
    store.setState({ sessionId: null, messages: [] });
    emitter.emit('clear', undefined);
  }

  async function clear({ forgetUser = false } = {}): Promise<void> {
    await started;
    const ended = session;
    records.session.remove();
    records.widget.remove();
    if (forgetUser) {
      records.user.remove();
      store.setState({ user: {} });
      tabs.post({ type: 'user' });
    }
    resetConversation();
    tabs.post({ type: 'clear' });
    await history
      ?.clear(siteKey)
      .catch((cause) => fail('storage_failed', 'could not delete the stored history', cause));
    if (ended) {
      const result = await purgeSession({
        server,
        sessionId: ended.id,
        token: ended.token,
        fetch: options.fetch,
      });
      if (!result.ok)
        fail('purge_failed', 'could not drop the conversation on the server', result.error);
    }
  }

  function setOpen(open: boolean): void {
    if (store.getState().open === open) return;
    store.setState({ open });
    records.widget.write({ open });
    activity.touch();
    tabs.post({ type: 'widget', open });
    emitter.emit(open ? 'open' : 'close', undefined);
    // Opening is a strong hint the visitor will chat: warm the connection up now.
    if (open) void ensureConnection();
  }

  /**
   * Puts the cached conversation on screen. With a session: the newest screenful first, then
   * the rest (`older`, to await before merging the server's answer). Without one: only
   * undelivered visitor messages are kept. `outbox`: undelivered messages were found.
   */
  async function showCache(): Promise<{ older?: Promise<void>; outbox: boolean }> {
    try {
      history = await (options.history ?? openHistory)();
    } catch {
      history = undefined;
    }
    if (destroyed) return { outbox: false };
    let older: Promise<void> | undefined;
    let outbox = false;
    if (session) {
      // The newest screenful first, so the visitor sees the conversation at once; the rest of the
      // history follows in the background, before the server's answer is merged in.
      const tail = (await history?.loadTail(siteKey, TAIL_SIZE).catch(() => [])) ?? [];
      conversation.apply(tail);
      // Undelivered messages sort last: any there are in the tail.
      outbox = tail.some((m) => m.status === 'pending');
      const at = resets;
      const cache = history;
      const current = () => !destroyed && at === resets;
      // After this task, in which the UI renders the tail: setting up the read costs ~1 ms.
      older = new Promise((resolve) => setTimeout(resolve, 0))
        .then(() =>
          cache?.loadPages(siteKey, OLDER_PAGE, (page) => {
            // What this tab holds is as new as the store or newer (other tabs, the socket).
            if (current()) conversation.apply(page.filter((m) => !conversation.get(m.id)));
          }),
        )
        .then(() => {
          if (current()) render();
        })
        .catch(() => undefined);
    } else {
      const cached = (await history?.load(siteKey).catch(() => [])) ?? [];
      const expiredBefore = now() - retention.sessionTtlMs;
      // History lives with the session: without one, only undelivered visitor messages are kept.
      const keep = cached.filter((m) => m.status === 'pending' && m.at >= expiredBefore);
      if (keep.length < cached.length) {
        await history?.clear(siteKey).catch(() => undefined);
        await history?.put(keep).catch(() => undefined);
      }
      conversation.apply(keep);
      outbox = keep.length > 0;
    }
    render();
    // In an object: an async function returning the promise itself would wait for it.
    return { older, outbox };
  }

  async function start(): Promise<void> {
    // The server's answer does not depend on the cache: ask while IndexedDB opens and reads,
    // but parse it (a long history is several ms) only once the cached conversation shows.
    let shown = () => {};
    const cacheShown = new Promise<void>((resolve) => {
      shown = resolve;
    });
    const asked = session;
    const at = resets;
    // Whether this page itself needs the socket is decided from what it found when it loaded.
    // What other tabs do meanwhile (open the window, start a session, write) arrives mirrored
    // here, and must not make this tab connect: it would take over their session, or start a
    // second one and deliver their outbox to it.
    const openAtLoad = store.getState().open;
    const restoring = asked
      ? restoreSession({
          server,
          sessionId: asked.id,
          token: asked.token,
          url: page().url,
          fetch: options.fetch,
          readAfter: cacheShown,
        })
      : undefined;
    let older: Promise<void> | undefined;
    let outbox = false;
    try {
      ({ older, outbox } = await showCache());
    } finally {
      shown();
    }
    if (destroyed) return;
    store.setState({ phase: session ? 'restoring' : 'ready' });

    if (asked && restoring) {
      const { id } = asked;
      const result = await restoring;
      await older;
      if (destroyed) return;
      // Cleared (here or in another tab) or replaced by another tab's session meanwhile, the
      // answer is about a conversation this tab no longer shows: writing it would bring cleared
      // messages back. The socket brings a newer session up to date.
      const current = at === resets && session?.id === id;
      if (current && result.kind === 'restored') {
        await commit(result.history.map((m) => toStored(m, id)));
        task.show(result.task);
        applyRetention(result.retention);
        emitter.emit('restore', { sessionId: id, messages: result.history.length });
      } else if (current && result.kind === 'gone') {
        await archiveSession();
      } else if (current && result.kind === 'failed') {
        fail(
          'restore_failed',
          'could not reach the server to restore the conversation',
          result.error,
        );
      }
      store.setState({ phase: 'ready' });
    }
    const ownSession = asked !== undefined && session?.id === asked.id;
    if (at === resets && (ownSession || openAtLoad || outbox)) void ensureConnection();
  }

  const started = start();

  if (typeof addEventListener === 'function') {
    const onPageHide = () => {
      activity.settle();
      tabs.post({ type: 'bye' });
    };
    addEventListener('pagehide', onPageHide);
    cleanups.push(() => removeEventListener('pagehide', onPageHide));
  }
  if (typeof document !== 'undefined') {
    document.addEventListener('visibilitychange', activity.settle);
    cleanups.push(() => document.removeEventListener('visibilitychange', activity.settle));
  }
  cleanups.push(() => {
    activity.settle();
    clearTimeout(readOnlyTimer);
    typing.hide();
    dropConnection();
    tabs.close();
    history?.close();
    emitter.clear();
  });

  return {
    getState: store.getState,
    subscribe: store.subscribe,
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle: () => setOpen(!store.getState().open),
    async send(text) {
      const trimmed = text.trim();
      if (trimmed === '') return null;
      if (trimmed.length > LIMITS.maxTextLength) {
        fail('invalid_message', `a message is at most ${LIMITS.maxTextLength} characters`);
        return null;
      }
      await started;
      lastSentAt = Math.max(now(), lastSentAt + 1);
      const message: ChatMessage = {
        id: nanoid(),
        author: 'visitor',
        text: trimmed,
        at: lastSentAt,
      };
      const stored: StoredMessage = { ...message, siteKey, status: 'pending' };
      if (session) stored.sessionId = session.id;
      await commit([stored]);
      activity.touch();
      emitter.emit('message', message);
      // Sending from a taken-over tab takes the session back.
      if (bound) void flush();
      else void bind();
      return message;
    },
    clear,
    async identify(details, { tellServer = true } = {}) {
      const checked = validateContact(details);
      if (!checked.ok) {
        const fields = Object.entries(checked.errors).map(([field, why]) => `${field} ${why}`);
        throw new LeFluxError('invalid_contact', `invalid contact details: ${fields.join('; ')}`);
      }
      const user = { ...records.user.read(), ...checked.value };
      records.user.write(user);
      store.setState({ user: contactOf(user) });
      tabs.post({ type: 'user' });
      activity.touch();
      // The server learns contact details with `session_init`: say it again now, unless a task
      // is in flight (a re-init is also where the server checks a task's page).
      if (tellServer && bound && !store.getState().task) {
        bound = false;
        await bind();
      }
    },
    activity: () => activity.snapshot(records.user.read()?.firstSessionAt),
    getSession: () => {
      const { sessionId, readOnly, connected } = store.getState();
      return { id: sessionId, readOnly, connected };
    },
    on: emitter.on,
    off: emitter.off,
    ready: () => started,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const cleanup of cleanups.splice(0)) cleanup();
    },
  };
}

function contactOf(user: ContactDetails | undefined): ContactDetails {
  const { name, email, phone } = user ?? {};
  return { ...(name ? { name } : {}), ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
}

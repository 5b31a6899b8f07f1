import { nanoid } from 'nanoid';
import {
  type AgentMessagePayload,
  type ChatMessage,
  type Failure,
  LIMITS,
  type SessionInitPayload,
} from '../protocol/index.js';
import { createEmitter } from './emitter.js';
import { type ClientErrorCode, LeFluxError } from './errors.js';
import { createStateStore, type StateStore } from './state.js';
import {
  compareMessages,
  type HistoryStore,
  openHistory,
  type StoredMessage,
} from './storage/history.js';
import { persistentStorage } from './storage/raw-storage.js';
import { DAY, type SessionRecord, sessionRecords } from './storage/session-records.js';
import { type Connection, type ConnectionOptions, openConnection } from './transport/connection.js';
import { restoreSession } from './transport/restore.js';

export interface ClientOptions {
  /** LeFlux server origin, e.g. `https://chat.example.com`. */
  server: string;
  /** Tenant key; scopes the stored session and history. Default `default`. */
  siteKey?: string;
  /** Session and widget-state lifetime, counted from the last write. Default 24 h. */
  sessionTtlMs?: number;
  /** Open the window when the visitor has no stored open/closed state (first visit). Default false. */
  defaultOpen?: boolean;
  /** How long a tab stays read-only after another tab took the session. Default 5 s. */
  takeoverHoldMs?: number;
  /** Clock, injectable for tests. Default `Date.now`. */
  now?: () => number;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Where records live. Default `window.localStorage`, falling back to memory. */
  localStorage?: () => Storage | undefined;
  /** Where history lives. Default IndexedDB, falling back to memory. */
  history?: () => Promise<HistoryStore>;
  /** The page the visitor is on, reported to the server. Default `location` and `document.title`. */
  page?: () => { url: string; title: string };
  /** Opens the socket. Default socket.io-client; tests may pass a fake. */
  connect?: (options: ConnectionOptions) => Promise<Connection>;
}

export interface ClientState {
  /** `loading`: nothing read yet; `restoring`: cache on screen, server not answered; `ready`. */
  phase: 'loading' | 'restoring' | 'ready';
  open: boolean;
  messages: readonly StoredMessage[];
  sessionId: string | null;
  connected: boolean;
  /** True for a few seconds after another tab took the session over. */
  readOnly: boolean;
}

export interface ClientEvents {
  open: undefined;
  close: undefined;
  message: ChatMessage;
  restore: { sessionId: string; messages: number };
  takeover: undefined;
  clear: undefined;
  task: { taskId: string; status: string };
  error: LeFluxError;
}

export interface SessionSnapshot {
  id: string | null;
  readOnly: boolean;
  connected: boolean;
}

/** The headless SDK: all conversation state and its persistence, no rendering. */
export interface LeFluxClient extends Pick<StateStore<ClientState>, 'getState' | 'subscribe'> {
  open(): void;
  close(): void;
  toggle(): void;
  /** Sends a visitor message; resolves with it once stored locally (delivery continues in the background). */
  send(text: string): Promise<ChatMessage | null>;
  getSession(): SessionSnapshot;
  on<K extends keyof ClientEvents>(
    event: K,
    handler: (payload: ClientEvents[K]) => void,
  ): () => void;
  off<K extends keyof ClientEvents>(event: K, handler: (payload: ClientEvents[K]) => void): void;
  /** Resolves once the cached conversation is loaded and the restore has been answered (or failed). */
  ready(): Promise<void>;
  destroy(): void;
}

/**
 * Creates the headless client: reads the cached session, restores it through the server,
 * keeps the socket, the outbox and the history in step.
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
  const sessionTtlMs = options.sessionTtlMs ?? DAY;
  const takeoverHoldMs = options.takeoverHoldMs ?? 5_000;
  const page =
    options.page ??
    (() => ({ url: location.href, title: document.title.slice(0, LIMITS.maxTitleLength) }));
  const connect = options.connect ?? openConnection;

  const storage = persistentStorage(options.localStorage ?? (() => globalThis.localStorage));
  const records = sessionRecords({ storage, now, sessionTtlMs });
  const emitter = createEmitter<ClientEvents>();
  const cleanups: Array<() => void> = [];
  const byId = new Map<string, StoredMessage>();

  let session = readSession();
  const store = createStateStore<ClientState>({
    phase: 'loading',
    open: records.widget.read()?.open ?? options.defaultOpen ?? false,
    messages: [],
    sessionId: session?.id ?? null,
    connected: false,
    readOnly: false,
  });

  let history: HistoryStore | undefined;
  let connection: Promise<Connection | undefined> | undefined;
  /** The current socket has sent `session_init` and holds the session. */
  let bound = false;
  let binding: Promise<boolean> | undefined;
  /** Another tab took the session: do not take it back on a mere reconnect, only when the visitor acts. */
  let yielded = false;
  let flushing: Promise<void> = Promise.resolve();
  let destroyed = false;

  const fail = (code: ClientErrorCode, message: string, cause?: unknown) =>
    emitter.emit('error', new LeFluxError(code, message, { cause }));

  function readSession(): SessionRecord | undefined {
    const record = records.session.read();
    return record?.siteKey === siteKey ? record : undefined;
  }

  /** Applies changes to messages: state first (the visitor sees it at once), then IndexedDB. */
  function upsert(changes: StoredMessage[]): Promise<void> {
    if (changes.length === 0) return Promise.resolve();
    for (const m of changes) byId.set(m.id, m);
    store.setState({ messages: [...byId.values()].sort(compareMessages) });
    return (history?.put(changes) ?? Promise.resolve()).catch((cause) =>
      fail('storage_failed', 'could not store messages; they are kept for this page only', cause),
    );
  }

  function toStored(message: ChatMessage, sessionId: string | undefined): StoredMessage {
    return { ...message, siteKey, status: 'sent', ...(sessionId ? { sessionId } : {}) };
  }

  /** Server copies win field by field; local messages the server lacks (pending ones) stay. */
  function mergeFromServer(messages: ChatMessage[], sessionId: string): Promise<void> {
    const changes: StoredMessage[] = [];
    for (const m of messages) {
      const local = byId.get(m.id);
      changes.push({ ...local, ...toStored(m, sessionId), archivedAt: undefined });
    }
    return upsert(changes.map(dropUndefined));
  }

  /** The server no longer knows the session: keep its messages on screen as an earlier conversation. */
  function archiveSession(): Promise<void> {
    session = undefined;
    records.session.remove();
    bound = false;
    store.setState({ sessionId: null });
    const at = now();
    const changes: StoredMessage[] = [];
    for (const m of byId.values()) {
      if (m.status === 'pending') {
        const { sessionId: _old, ...rest } = m;
        changes.push(rest);
      } else if (m.archivedAt === undefined) {
        changes.push({ ...m, archivedAt: at });
      }
    }
    return upsert(changes);
  }

  function saveSession(id: string, token: string): void {
    session = { id, token, siteKey, savedAt: now() };
    records.session.write(session);
    store.setState({ sessionId: id });
  }

  function ensureConnection(): Promise<Connection | undefined> {
    connection ??= connect({
      server,
      events: {
        connected() {
          store.setState({ connected: true });
          if (!yielded && (session || hasPending())) void bind();
        },
        disconnected() {
          bound = false;
          store.setState({ connected: false });
        },
        agentMessage: onAgentMessage,
        takenOver: onTakenOver,
        evicted() {
          void archiveSession();
        },
      },
    }).catch((cause) => {
      connection = undefined;
      fail('connect_failed', 'could not load the chat connection', cause);
      return undefined;
    });
    return connection;
  }

  const hasPending = () => [...byId.values()].some((m) => m.status === 'pending');
  const lastSeq = () => {
    let max = 0;
    for (const m of byId.values()) {
      if (m.archivedAt === undefined && m.seq !== undefined && m.seq > max) max = m.seq;
    }
    return max;
  };

  /** Sends `session_init` on the current socket: resumes the stored session or starts one. */
  function bind(): Promise<boolean> {
    binding ??= (async () => {
      const conn = await ensureConnection();
      if (!conn?.connected) return false;
      const { url, title } = page();
      const payload: SessionInitPayload = { siteKey, url, title };
      if (session)
        Object.assign(payload, { sessionId: session.id, token: session.token, lastSeq: lastSeq() });
      let result = await conn.init(payload);
      if (!result.ok && isGone(result)) {
        await archiveSession();
        result = await conn.init({ siteKey, url, title });
      }
      if (!result.ok) return false;
      yielded = false;
      store.setState({ readOnly: false });
      saveSession(result.sessionId, result.token);
      await mergeFromServer(result.missed, result.sessionId);
      bound = true;
      void flush();
      return true;
    })().finally(() => {
      binding = undefined;
    });
    return binding;
  }

  const isGone = (f: Failure) =>
    f.error.code === 'session_not_found' || f.error.code === 'unauthorized';

  /** Delivers pending visitor messages in order, one at a time. Resent ids are deduped by the server. */
  function flush(): Promise<void> {
    flushing = flushing.then(async () => {
      const conn = await connection;
      const pending = [...byId.values()]
        .filter((m) => m.status === 'pending')
        .sort(compareMessages);
      for (const message of pending) {
        if (!conn || !bound || !session) return;
        const result = await conn.sendMessage({
          id: message.id,
          text: message.text,
          url: page().url,
          sentAt: message.at,
        });
        if (result.ok) {
          await upsert([{ ...message, status: 'sent', seq: result.seq, sessionId: session.id }]);
          records.session.write({ ...session, savedAt: now() });
        } else if (result.error.code === 'invalid_payload') {
          await upsert([{ ...message, status: 'failed' }]);
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

  function onAgentMessage(payload: AgentMessagePayload): void {
    if (!session) return;
    const message: ChatMessage = {
      id: payload.id,
      author: 'agent',
      text: payload.text,
      at: payload.at,
      seq: payload.seq,
    };
    void upsert([toStored(message, session.id)]);
    emitter.emit('message', message);
  }

  function onTakenOver(): void {
    bound = false;
    yielded = true;
    store.setState({ readOnly: true });
    emitter.emit('takeover', undefined);
    const timer = setTimeout(() => store.setState({ readOnly: false }), takeoverHoldMs);
    cleanups.push(() => clearTimeout(timer));
  }

  function setOpen(open: boolean): void {
    if (store.getState().open === open) return;
    store.setState({ open });
    records.widget.write({ open });
    emitter.emit(open ? 'open' : 'close', undefined);
    // Opening is a strong hint the visitor will chat: warm the connection up now.
    if (open) void ensureConnection();
  }

  async function start(): Promise<void> {
    try {
      history = await (options.history ?? openHistory)();
    } catch {
      history = undefined;
    }
    if (destroyed) return;
    const cached = (await history?.load(siteKey).catch(() => [])) ?? [];
    const expiredBefore = now() - sessionTtlMs;
    // History lives with the session: without one, only undelivered visitor messages are kept.
    const stale = session
      ? []
      : cached.filter((m) => m.status !== 'pending' || m.at < expiredBefore);
    if (stale.length > 0) {
      await history?.clear(siteKey).catch(() => undefined);
      const keep = cached.filter((m) => !stale.includes(m));
      await history?.put(keep).catch(() => undefined);
    }
    for (const m of cached) if (!stale.includes(m)) byId.set(m.id, m);
    store.setState({
      messages: [...byId.values()].sort(compareMessages),
      phase: session ? 'restoring' : 'ready',
    });

    if (session) {
      const { id, token } = session;
      const result = await restoreSession({
        server,
        sessionId: id,
        token,
        url: page().url,
        fetch: options.fetch,
      });
      if (destroyed) return;
      if (result.kind === 'restored') {
        await mergeFromServer(result.history, id);
        emitter.emit('restore', { sessionId: id, messages: result.history.length });
      } else if (result.kind === 'gone') {
        await archiveSession();
      } else {
        fail(
          'restore_failed',
          'could not reach the server to restore the conversation',
          result.error,
        );
      }
      store.setState({ phase: 'ready' });
    }
    if (session || store.getState().open || hasPending()) void ensureConnection();
  }

  const started = start();

  cleanups.push(() => {
    void connection?.then((conn) => conn?.close());
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
      const message: ChatMessage = { id: nanoid(), author: 'visitor', text: trimmed, at: now() };
      await upsert([
        { ...message, siteKey, status: 'pending', ...(session ? { sessionId: session.id } : {}) },
      ]);
      emitter.emit('message', message);
      // Sending from a taken-over tab takes the session back.
      if (bound) void flush();
      else void bind();
      return message;
    },
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

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}

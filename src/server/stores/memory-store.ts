import { nanoid } from 'nanoid';
import {
  type ChatMessage,
  CONTACT_FIELDS,
  type ContactDetails,
  LIMITS,
} from '../../protocol/index.js';
import { createLocalSessionLock } from './session-lock.js';
import {
  type AppendResult,
  type JsonValue,
  SessionNotFoundError,
  type SessionRecord,
  type SessionStore,
  TakenOverError,
  type TaskState,
  type ValueStore,
  type WaitFilter,
  type WaitRecord,
} from './session-store.js';

export interface MemorySessionStoreOptions {
  /** A session idle this long (ms since `lastActiveAt`) is evicted. */
  idleTtlMs: number;
  /**
   * A site's own idle TTL (site settings `idleMinutes`), overriding `idleTtlMs` for that
   * site's sessions; undefined: `idleTtlMs`. Asked on every access, so it must be cheap.
   */
  siteIdleTtlMs?: (siteKey: string) => number | undefined;
  /** The clock; tests fake it. Default `Date.now`. */
  now?: () => number;
  /** Messages kept per session. Default `LIMITS.maxHistory`. */
  maxHistory?: number;
}

/** Everything one session holds. The record's `taskId` is derived from `task` when read. */
interface Entry {
  session: Omit<SessionRecord, 'taskId'>;
  /** Ascending by `seq`, at most `maxHistory` (oldest dropped first); each frozen. */
  messages: Readonly<ChatMessage>[];
  /** message id -> seq, for dedupe of resends. Mirrors `messages`. */
  seqById: Map<string, number>;
  values: Map<string, JsonValue>;
  visitor: ContactDetails;
  task?: TaskState;
  /** Oldest first. */
  waits: WaitRecord[];
}

/**
 * The stored copy of `message` with `seq`, made field by field (`{ ...message, seq }` took
 * V8's slow clone path, ~1 µs) and frozen: reads hand the stored object out as it is, so a
 * reader cannot change the history, and an agent's 50 messages of history cost no copies. A
 * field added to `ChatMessage` must be added here too; the conformance suite round-trips
 * every field.
 */
function storedMessage(message: Omit<ChatMessage, 'seq'>, seq: number): Readonly<ChatMessage> {
  const { id, author, text, at, asks, name } = message;
  const copy: ChatMessage = { id, author, text, at, seq };
  if (asks !== undefined) copy.asks = asks;
  if (name !== undefined) copy.name = name;
  return Object.freeze(copy);
}

/** A copy of the record as callers see it (copies keep them from mutating stored state). */
function recordOf({ session, task }: Entry): SessionRecord {
  const copy: SessionRecord = { ...session };
  // The only nested object of a record: a caller must not change the stored one through it.
  if (session.takeover) copy.takeover = { ...session.takeover };
  if (session.identity) copy.identity = { ...session.identity };
  if (task !== undefined) copy.taskId = task.id;
  return copy;
}

const copy = <T>(value: T): T => structuredClone(value);

/**
 * The default, single-process session store.
 *
 * @example
 * const store = createMemorySessionStore({ idleTtlMs: 30 * 60_000 });
 * const session = await store.sessions.create('acme');
 */
export function createMemorySessionStore(options: MemorySessionStoreOptions): SessionStore {
  const { idleTtlMs, siteIdleTtlMs, now = Date.now, maxHistory = LIMITS.maxHistory } = options;
  const entries = new Map<string, Entry>();
  const siteValues = new Map<string, Map<string, JsonValue>>();

  const ttlOf = (session: Entry['session']) => siteIdleTtlMs?.(session.siteKey) ?? idleTtlMs;
  const isIdle = (session: Entry['session'], at: number) =>
    at - session.lastActiveAt >= ttlOf(session);

  /** The entry if live; an idle one is deleted on the spot so no caller ever sees it. */
  const live = (id: string): Entry | undefined => {
    const entry = entries.get(id);
    if (entry && isIdle(entry.session, now())) {
      entries.delete(id);
      return undefined;
    }
    return entry;
  };

  const need = (id: string): Entry => {
    const entry = live(id);
    if (!entry) throw new SessionNotFoundError(id);
    return entry;
  };

  function append(entry: Entry, message: Omit<ChatMessage, 'seq'>): AppendResult {
    const { session, seqById, messages } = entry;
    const known = seqById.get(message.id);
    if (known !== undefined) return { seq: known, duplicate: true };
    const seq = session.nextSeq++;
    messages.push(storedMessage(message, seq));
    seqById.set(message.id, seq);
    while (messages.length > maxHistory) {
      const dropped = messages.shift();
      if (dropped) seqById.delete(dropped.id);
    }
    return { seq, duplicate: false };
  }

  /** Live waits of the entry; expired ones are dropped here, so no caller ever sees them. */
  const liveWaits = (entry: Entry, at = now()): WaitRecord[] => {
    entry.waits = entry.waits.filter((w) => w.expiresAt > at);
    return entry.waits;
  };

  /** Entries a wait filter selects (live sessions only). */
  const selected = (filter: WaitFilter): Entry[] => {
    if ('sessionId' in filter) {
      const entry = live(filter.sessionId);
      return entry ? [entry] : [];
    }
    const at = now();
    return [...entries.values()].filter(
      ({ session }) =>
        session.siteKey === filter.siteKey &&
        session.visitorId === filter.visitorId &&
        !isIdle(session, at),
    );
  };

  const siteMap = (siteKey: string) => {
    const values = siteValues.get(siteKey) ?? new Map<string, JsonValue>();
    siteValues.set(siteKey, values);
    return values;
  };

  const siteValueStore: ValueStore = {
    async get(siteKey, key) {
      return copy(siteValues.get(siteKey)?.get(key));
    },
    async save(siteKey, key, value) {
      siteMap(siteKey).set(key, copy(value));
    },
    async evict(siteKey, key) {
      return siteValues.get(siteKey)?.delete(key) ?? false;
    },
    async fetchAll(siteKey) {
      return copy(Object.fromEntries(siteValues.get(siteKey) ?? []));
    },
  };

  return {
    sessions: {
      async create(siteKey, visitorId) {
        const at = now();
        const entry: Entry = {
          session: {
            id: nanoid(),
            siteKey,
            token: nanoid(32),
            visitorId,
            createdAt: at,
            lastActiveAt: at,
            nextSeq: 1,
          },
          messages: [],
          seqById: new Map(),
          values: new Map(),
          visitor: {},
          waits: [],
        };
        entries.set(entry.session.id, entry);
        return recordOf(entry);
      },

      async get(id) {
        const entry = live(id);
        return entry && recordOf(entry);
      },

      async touch(sessionId, at) {
        const { session } = need(sessionId);
        session.lastActiveAt = Math.max(session.lastActiveAt, at);
      },

      async setPage(sessionId, page) {
        const { session } = need(sessionId);
        session.url = page.url;
        if (page.title !== undefined) session.title = page.title;
      },

      async setTakeover(sessionId, takeover) {
        const { session } = need(sessionId);
        if (takeover) session.takeover = { by: takeover.by, at: takeover.at };
        else delete session.takeover;
      },

      async setIdentity(sessionId, { userId, verified }) {
        need(sessionId).session.identity = { userId, verified };
      },

      async delete(id) {
        return entries.delete(id);
      },

      async sweep(at) {
        const evicted: string[] = [];
        for (const [id, entry] of entries) {
          if (isIdle(entry.session, at)) {
            entries.delete(id);
            evicted.push(id);
          } else {
            liveWaits(entry, at);
          }
        }
        return evicted;
      },

      async count() {
        return entries.size;
      },
    },

    history: {
      async append(sessionId, message, options) {
        const entry = need(sessionId);
        if (options?.unlessTakenOver && entry.session.takeover) throw new TakenOverError(sessionId);
        return append(entry, message);
      },

      async appendVisitor(sessionId, message, { socketId, at, url }) {
        const entry = need(sessionId);
        const { session } = entry;
        if (session.boundSocket !== socketId) return { ok: false, reason: 'not_bound' };
        const result = append(entry, message);
        if (!result.duplicate) {
          session.lastActiveAt = Math.max(session.lastActiveAt, at);
          if (url !== '') session.url = url;
        }
        return { ok: true, session: recordOf(entry), ...result };
      },

      async after(sessionId, seq) {
        const { messages } = need(sessionId);
        // Ascending by seq: only the tail after `seq` is taken.
        let from = messages.length;
        while (from > 0 && (messages[from - 1]?.seq ?? 0) > seq) from--;
        return messages.slice(from);
      },

      async recent(sessionId, limit) {
        const entry = live(sessionId);
        if (!entry) return undefined;
        const { messages } = entry;
        return { session: recordOf(entry), messages: limit > 0 ? messages.slice(-limit) : [] };
      },
    },

    sockets: {
      async bind(sessionId, socketId) {
        const { session } = need(sessionId);
        const previous = session.boundSocket;
        session.boundSocket = socketId;
        return previous === socketId ? undefined : previous;
      },

      async unbind(sessionId, socketId) {
        const entry = live(sessionId);
        if (!entry || entry.session.boundSocket !== socketId) return false;
        entry.session.boundSocket = undefined;
        return true;
      },
    },

    tasks: {
      async get(sessionId) {
        return copy(need(sessionId).task);
      },

      async save(sessionId, task) {
        const entry = need(sessionId);
        const stored = entry.task;
        const follows =
          stored === undefined
            ? task.version === 1
            : stored.id === task.id && task.version === stored.version + 1;
        if (!follows) return false;
        entry.task = copy(task);
        return true;
      },

      async delete(sessionId, taskId) {
        const entry = live(sessionId);
        if (entry?.task?.id !== taskId) return false;
        entry.task = undefined;
        return true;
      },

      async due(at) {
        const due: string[] = [];
        for (const [id, { session, task }] of entries) {
          if (task?.deadline !== undefined && task.deadline <= at && !isIdle(session, at)) {
            due.push(id);
          }
        }
        return due;
      },
    },

    waits: {
      async add(sessionId, wait) {
        const entry = need(sessionId);
        const { id, siteKey, visitorId } = entry.session;
        const stored: WaitRecord = { ...copy(wait), sessionId: id, siteKey, visitorId };
        liveWaits(entry).push(stored);
        return copy(stored);
      },

      async list(filter) {
        return copy(selected(filter).flatMap((entry) => liveWaits(entry)));
      },

      async take(sessionId) {
        return liveWaits(need(sessionId)).shift();
      },

      async clear(filter, scope) {
        let cleared = 0;
        for (const entry of selected(filter)) {
          const kept = liveWaits(entry).filter((w) => scope !== undefined && w.scope !== scope);
          cleared += entry.waits.length - kept.length;
          entry.waits = kept;
        }
        return cleared;
      },
    },

    values: {
      async get(sessionId, key) {
        return copy(need(sessionId).values.get(key));
      },
      async save(sessionId, key, value) {
        need(sessionId).values.set(key, copy(value));
      },
      async evict(sessionId, key) {
        return need(sessionId).values.delete(key);
      },
      async fetchAll(sessionId) {
        return copy(Object.fromEntries(need(sessionId).values));
      },
      async clear(sessionId, retain = []) {
        const { values } = need(sessionId);
        for (const key of [...values.keys()]) if (!retain.includes(key)) values.delete(key);
      },
    },

    siteValues: siteValueStore,

    visitors: {
      async get(sessionId) {
        return { ...need(sessionId).visitor };
      },
      async save(sessionId, props) {
        const entry = need(sessionId);
        for (const field of CONTACT_FIELDS) {
          const value = props[field]?.trim();
          if (value) entry.visitor[field] = value;
        }
        return { ...entry.visitor };
      },
    },

    lock: createLocalSessionLock(),

    async ping() {},

    async close() {
      entries.clear();
      siteValues.clear();
    },
  };
}

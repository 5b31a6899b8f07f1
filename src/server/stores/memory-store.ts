import { nanoid } from 'nanoid';
import {
  type ChatMessage,
  CONTACT_FIELDS,
  type ContactDetails,
  LIMITS,
} from '../../protocol/index.js';
import {
  type AppendResult,
  type JsonValue,
  SessionNotFoundError,
  type SessionRecord,
  type SessionStore,
  type StoredSession,
  type TaskState,
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

interface Entry {
  session: StoredSession;
  /** message id -> seq, for dedupe of resends. Mirrors `session.messages`. */
  seqById: Map<string, number>;
  values: Map<string, JsonValue>;
  visitor: ContactDetails;
  task?: TaskState;
  /** Oldest first. */
  waits: WaitRecord[];
}

/**
 * A copy of `message` with `seq`, field by field: `{ ...message, seq }` took V8's slow clone
 * path (~1 µs, more than the rest of an append). A field added to `ChatMessage` must be
 * added here too; the store's tests round-trip every field.
 */
function copyMessage(message: Omit<ChatMessage, 'seq'>, seq: number | undefined): ChatMessage {
  const { id, author, text, at, asks } = message;
  const copy: ChatMessage = { id, author, text, at };
  if (seq !== undefined) copy.seq = seq;
  if (asks !== undefined) copy.asks = asks;
  return copy;
}

/**
 * The default, single-process session store.
 *
 * @example
 * const store = createMemorySessionStore({ idleTtlMs: 30 * 60_000 });
 * const session = await store.create('acme');
 */
export function createMemorySessionStore(options: MemorySessionStoreOptions): SessionStore {
  const { idleTtlMs, siteIdleTtlMs, now = Date.now, maxHistory = LIMITS.maxHistory } = options;
  const entries = new Map<string, Entry>();

  const ttlOf = (session: SessionRecord) => siteIdleTtlMs?.(session.siteKey) ?? idleTtlMs;
  const isIdle = (session: SessionRecord, at: number) =>
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

  // Copies keep callers from mutating stored state, as a networked store would.
  const record = ({ messages: _messages, ...rest }: StoredSession): SessionRecord => ({ ...rest });
  const copy = <T>(value: T): T => structuredClone(value);
  const siteValues = new Map<string, Map<string, JsonValue>>();
  const siteMap = (siteKey: string) => {
    const values = siteValues.get(siteKey) ?? new Map<string, JsonValue>();
    siteValues.set(siteKey, values);
    return values;
  };

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

  return {
    async create(siteKey, visitorId) {
      const at = now();
      const session: StoredSession = {
        id: nanoid(),
        siteKey,
        token: nanoid(32),
        visitorId,
        createdAt: at,
        lastActiveAt: at,
        nextSeq: 1,
        messages: [],
      };
      entries.set(session.id, {
        session,
        seqById: new Map(),
        values: new Map(),
        visitor: {},
        waits: [],
      });
      return record(session);
    },

    async get(id) {
      const entry = live(id);
      return entry && record(entry.session);
    },

    async appendMessage(sessionId, message): Promise<AppendResult> {
      const { session, seqById } = need(sessionId);
      const known = seqById.get(message.id);
      if (known !== undefined) return { seq: known, duplicate: true };
      const seq = session.nextSeq++;
      session.messages.push(copyMessage(message, seq));
      seqById.set(message.id, seq);
      while (session.messages.length > maxHistory) {
        const dropped = session.messages.shift();
        if (dropped) seqById.delete(dropped.id);
      }
      return { seq, duplicate: false };
    },

    async messagesAfter(sessionId, seq) {
      const { messages } = need(sessionId).session;
      return messages.filter((m) => (m.seq ?? 0) > seq).map((m) => copyMessage(m, m.seq));
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

    async getValue(sessionId, key) {
      return copy(need(sessionId).values.get(key));
    },

    async saveValue(sessionId, key, value) {
      need(sessionId).values.set(key, copy(value));
    },

    async evictValue(sessionId, key) {
      return need(sessionId).values.delete(key);
    },

    async fetchValues(sessionId) {
      return copy(Object.fromEntries(need(sessionId).values));
    },

    async clearValues(sessionId, retain = []) {
      const { values } = need(sessionId);
      for (const key of [...values.keys()]) if (!retain.includes(key)) values.delete(key);
    },

    async getSiteValue(siteKey, key) {
      return copy(siteValues.get(siteKey)?.get(key));
    },

    async saveSiteValue(siteKey, key, value) {
      siteMap(siteKey).set(key, copy(value));
    },

    async evictSiteValue(siteKey, key) {
      return siteValues.get(siteKey)?.delete(key) ?? false;
    },

    async fetchSiteValues(siteKey) {
      return copy(Object.fromEntries(siteValues.get(siteKey) ?? []));
    },

    async getVisitor(sessionId) {
      return { ...need(sessionId).visitor };
    },

    async saveVisitor(sessionId, props) {
      const entry = need(sessionId);
      for (const field of CONTACT_FIELDS) {
        const value = props[field]?.trim();
        if (value) entry.visitor[field] = value;
      }
      return { ...entry.visitor };
    },

    async getTask(sessionId) {
      return copy(need(sessionId).task);
    },

    async saveTask(sessionId, task) {
      need(sessionId).task = copy(task);
    },

    async deleteTask(sessionId, taskId) {
      const entry = live(sessionId);
      if (entry?.task?.id !== taskId) return false;
      entry.task = undefined;
      return true;
    },

    async tasksDue(at) {
      const due: string[] = [];
      for (const [id, { session, task }] of entries) {
        if (task?.deadline !== undefined && task.deadline <= at && !isIdle(session, at)) {
          due.push(id);
        }
      }
      return due;
    },

    async addWait(sessionId, wait) {
      const entry = need(sessionId);
      const { id, siteKey, visitorId } = entry.session;
      const stored: WaitRecord = { ...copy(wait), sessionId: id, siteKey, visitorId };
      liveWaits(entry).push(stored);
      return copy(stored);
    },

    async listWaits(filter) {
      return copy(selected(filter).flatMap((entry) => liveWaits(entry)));
    },

    async takeWait(sessionId) {
      const entry = need(sessionId);
      return liveWaits(entry).shift();
    },

    async clearWaits(filter, scope) {
      let cleared = 0;
      for (const entry of selected(filter)) {
        const kept = liveWaits(entry).filter((w) => scope !== undefined && w.scope !== scope);
        cleared += entry.waits.length - kept.length;
        entry.waits = kept;
      }
      return cleared;
    },

    async ping() {},

    async close() {
      entries.clear();
      siteValues.clear();
    },
  };
}

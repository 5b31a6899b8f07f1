import { nanoid } from 'nanoid';
import { LIMITS } from '../../protocol/index.js';
import {
  type AppendResult,
  SessionNotFoundError,
  type SessionRecord,
  type SessionStore,
  type StoredSession,
} from './session-store.js';

export interface MemorySessionStoreOptions {
  /** A session idle this long (ms since `lastActiveAt`) is evicted. */
  idleTtlMs: number;
  /** The clock; tests fake it. Default `Date.now`. */
  now?: () => number;
  /** Messages kept per session. Default `LIMITS.maxHistory`. */
  maxHistory?: number;
}

interface Entry {
  session: StoredSession;
  /** message id -> seq, for dedupe of resends. Mirrors `session.messages`. */
  seqById: Map<string, number>;
}

/**
 * The default, single-process session store.
 *
 * @example
 * const store = createMemorySessionStore({ idleTtlMs: 30 * 60_000 });
 * const session = await store.create('acme');
 */
export function createMemorySessionStore(options: MemorySessionStoreOptions): SessionStore {
  const { idleTtlMs, now = Date.now, maxHistory = LIMITS.maxHistory } = options;
  const entries = new Map<string, Entry>();

  const isIdle = (session: SessionRecord, at: number) => at - session.lastActiveAt >= idleTtlMs;

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
      entries.set(session.id, { session, seqById: new Map() });
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
      session.messages.push({ ...message, seq });
      seqById.set(message.id, seq);
      while (session.messages.length > maxHistory) {
        const dropped = session.messages.shift();
        if (dropped) seqById.delete(dropped.id);
      }
      return { seq, duplicate: false };
    },

    async messagesAfter(sessionId, seq) {
      const { messages } = need(sessionId).session;
      return messages.filter((m) => (m.seq ?? 0) > seq).map((m) => ({ ...m }));
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
      for (const [id, { session }] of entries) {
        if (isIdle(session, at)) {
          entries.delete(id);
          evicted.push(id);
        }
      }
      return evicted;
    },

    async ping() {},

    async close() {
      entries.clear();
    },
  };
}

import type { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import {
  type ChatMessage,
  CONTACT_FIELDS,
  type ContactDetails,
  LIMITS,
} from '../../protocol/index.js';
import { type HeldMessages, HistoryCache } from './history-cache.js';
import { createRedisSessionLock } from './redis-lock.js';
import { REDIS_SCRIPTS, type ScriptName } from './redis-scripts.js';
import {
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

export interface RedisSessionStoreOptions {
  /**
   * The connection (ioredis). The store defines its scripts on it; `close()` quits it unless
   * `ownsClient` is false (the caller shares it and quits it itself).
   */
  client: Redis;
  /** Default true: `close()` quits `client`. */
  ownsClient?: boolean;
  /** Prefix of every key, so several deployments (or tests) can share one Redis. Default `leflux:`. */
  keyPrefix?: string;
  /** A session idle this long (ms since `lastActiveAt`) is evicted. */
  idleTtlMs: number;
  /**
   * A site's own idle TTL (site settings `idleMinutes`); undefined: `idleTtlMs`. Read when a
   * session is created: the session keeps that TTL (it is stored with it, so every node applies
   * the same one).
   */
  siteIdleTtlMs?: (siteKey: string) => number | undefined;
  /** The clock for every time rule; tests fake it. Default `Date.now`. */
  now?: () => number;
  /** Messages kept per session. Default `LIMITS.maxHistory`. */
  maxHistory?: number;
  /**
   * Memory a node may spend on the newest messages of the sessions it served lately (parsed,
   * so that an agent call or a restore fetches only newer ones). Default 32 MB; 0: none.
   */
  historyCacheBytes?: number;
  /** How long a node may hold a session's lock without renewing it. Default 3 s. */
  lockLeaseMs?: number;
  /** Told when a session's lock ran out while its work was still running (a stalled process). */
  onLeaseLost?: (sessionId: string) => void;
}

/** A script's answer as ioredis hands it over: strings, integers, nulls and arrays of them. */
type Reply = string | number | null | Reply[];

/** The scripts, as `defineCommand` adds them to the client. */
type Scripts = Record<ScriptName, (...args: (string | number)[]) => Promise<Reply>>;

/** Sessions the sweep evicts per script call, so one call never blocks Redis for long. */
const SWEEP_BATCH = 500;

/** A flat `[field, value, ...]` reply as an object. */
function fields(flat: Reply): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

/** The session hash as callers see it (its TTL and task version are the store's business). */
function recordOf(flat: Reply): SessionRecord {
  const f = fields(flat);
  const record: SessionRecord = {
    id: f.id ?? '',
    siteKey: f.siteKey ?? '',
    token: f.token ?? '',
    createdAt: Number(f.createdAt),
    lastActiveAt: Number(f.lastActiveAt),
    nextSeq: Number(f.nextSeq),
  };
  if (f.visitorId !== undefined) record.visitorId = f.visitorId;
  if (f.boundSocket !== undefined) record.boundSocket = f.boundSocket;
  if (f.url !== undefined) record.url = f.url;
  if (f.title !== undefined) record.title = f.title;
  if (f.taskId !== undefined) record.taskId = f.taskId;
  if (f.takeoverBy !== undefined) {
    record.takeover = { by: f.takeoverBy, at: Number(f.takeoverAt) };
  }
  if (f.userId !== undefined) {
    record.identity = { userId: f.userId, verified: f.userVerified === '1' };
  }
  return record;
}

const strings = (reply: Reply): string[] =>
  Array.isArray(reply) ? reply.filter((r): r is string => typeof r === 'string') : [];

/** A message as stored: its fields, without `seq` (the script puts the seq in front). */
function messageJson(message: Omit<ChatMessage, 'seq'>): string {
  const { id, author, text, at, asks, name } = message;
  return JSON.stringify({ id, author, text, at, asks, name });
}

/**
 * Live sessions in Redis, shared by every node: the same behaviour as the memory store (both run
 * `describeSessionStore`), one atomic Lua script per operation (see `redis-scripts.ts`), and a
 * per-session lock that holds across processes (`redis-lock.ts`).
 *
 * Idle eviction is decided from the stored `lastActiveAt` and the caller's clock, on every
 * access and by `sweep`; Redis key expiry is only a safety net far behind it.
 *
 * @example
 * const store = createRedisSessionStore({ client: new Redis(process.env.REDIS_URL), idleTtlMs: 30 * 60_000 });
 * const session = await store.sessions.create('acme');
 */
export function createRedisSessionStore(options: RedisSessionStoreOptions): SessionStore {
  const {
    client,
    ownsClient = true,
    keyPrefix = 'leflux:',
    idleTtlMs,
    siteIdleTtlMs,
    now = Date.now,
    maxHistory = LIMITS.maxHistory,
    historyCacheBytes = 32 * 1024 * 1024,
  } = options;
  for (const { name, lua } of REDIS_SCRIPTS) {
    // A client shared by two stores (tests, two servers in one process) has them already.
    if (!(name in client)) client.defineCommand(name, { lua, numberOfKeys: 0 });
  }
  const scripts = client as unknown as Scripts;
  const P = keyPrefix;

  /** Runs a script with the prefix first. */
  const run = (name: ScriptName, ...args: (string | number)[]) => scripts[name](P, ...args);
  /** Runs a script that answers null when the session is gone, throwing `SessionNotFoundError`. */
  const need = async (sessionId: string, name: ScriptName, ...args: (string | number)[]) => {
    const reply = await run(name, ...args);
    if (reply === null) throw new SessionNotFoundError(sessionId);
    return reply;
  };
  /** The first element of an array reply (`{ value }` in Lua, so a missing value reads as null). */
  const first = (reply: Reply): Reply => (Array.isArray(reply) ? (reply[0] ?? null) : null);
  /**
   * The newest messages of the sessions this node served lately, parsed: each agent call gets
   * the last 50 and each restore the whole history, and fetching and parsing all of them every
   * time was most of the node's CPU. A stored message never changes, so Redis sends only what
   * the node lacks (`sendRange` in the scripts).
   */
  const historyCache = new HistoryCache(historyCacheBytes);
  /**
   * What the node holds for the session now, and its seqs as the scripts take them (0 0: none).
   * The answer is read against this view: other reads may extend or replace the cache meanwhile.
   */
  const heldNow = (sessionId: string) => {
    const held = historyCache.held(sessionId);
    const range: [number, number] = [
      held.list[0]?.seq ?? 0,
      held.count > 0 ? (held.list[held.count - 1]?.seq ?? 0) : 0,
    ];
    return { held, range };
  };
  /**
   * A `sendRange` answer (messages, want, first, used) as the messages from seq `want` on: what
   * the node held of them (the view whose seqs it sent), then what Redis sent. Seqs have no
   * gaps, so a seq's place in the view is found, not searched. The cache keeps what it held and
   * gains the new ones (reading the last 50 does not undo a whole restored history); messages
   * Redis has dropped (past `maxHistory`) stay until they are half of it, then it starts anew.
   */
  const throughCache = (sessionId: string, held: HeldMessages, range: Reply): ChatMessage[] => {
    const [fresh = null, want = 0, first = 0, used = 0] = Array.isArray(range) ? range : [];
    // Frozen, as the memory store keeps its messages: callers share them.
    const added = strings(fresh).map((json) => Object.freeze(JSON.parse(json) as ChatMessage));
    if (used !== 1) {
      historyCache.remember(sessionId, added);
      return added;
    }
    const base = held.list[0]?.seq ?? 0;
    const dropped = Number(first) - base;
    if (dropped > held.count / 2) {
      historyCache.remember(sessionId, [...held.list.slice(dropped, held.count), ...added]);
    } else if (!historyCache.extend(sessionId, held, added)) {
      historyCache.remember(sessionId, [...held.list.slice(0, held.count), ...added]);
    }
    return [...held.list.slice(Math.max(0, Number(want) - base), held.count), ...added];
  };
  const parse = <T>(json: Reply): T | undefined =>
    typeof json === 'string' && json !== '' ? (JSON.parse(json) as T) : undefined;

  const filterArgs = (filter: WaitFilter): [string, string, string] =>
    'sessionId' in filter
      ? ['session', filter.sessionId, '']
      : ['visitor', filter.siteKey, filter.visitorId];

  const siteKeyOf = (siteKey: string) => `${P}site:${siteKey}`;
  const siteValues: ValueStore = {
    async get(siteKey, key) {
      return parse<JsonValue>(await client.hget(siteKeyOf(siteKey), key));
    },
    async save(siteKey, key, value) {
      await client.hset(siteKeyOf(siteKey), key, JSON.stringify(value));
    },
    async evict(siteKey, key) {
      return (await client.hdel(siteKeyOf(siteKey), key)) > 0;
    },
    async fetchAll(siteKey) {
      const all = await client.hgetall(siteKeyOf(siteKey));
      return Object.fromEntries(
        Object.entries(all).map(([key, json]) => [key, JSON.parse(json) as JsonValue]),
      );
    },
  };

  return {
    sessions: {
      async create(siteKey, visitorId) {
        const ttl = siteIdleTtlMs?.(siteKey) ?? idleTtlMs;
        const reply = await run(
          'lefluxCreate',
          nanoid(),
          siteKey,
          nanoid(32),
          visitorId ?? '',
          now(),
          ttl,
        );
        return recordOf(reply);
      },

      async get(id) {
        const reply = await run('lefluxGet', id, now());
        return reply === null ? undefined : recordOf(reply);
      },

      async touch(sessionId, at) {
        await need(sessionId, 'lefluxTouch', sessionId, at, now());
      },

      async setPage(sessionId, { url, title }) {
        await need(
          sessionId,
          'lefluxSetPage',
          sessionId,
          url,
          title ?? '',
          title === undefined ? '0' : '1',
          now(),
        );
      },

      async setTakeover(sessionId, takeover) {
        await need(
          sessionId,
          'lefluxSetTakeover',
          sessionId,
          takeover?.by ?? '',
          takeover?.at ?? 0,
          takeover ? '1' : '0',
          now(),
        );
      },

      async setIdentity(sessionId, { userId, verified }) {
        await need(sessionId, 'lefluxSetIdentity', sessionId, userId, verified ? '1' : '0', now());
      },

      async delete(id) {
        historyCache.forget(id);
        return (await run('lefluxDelete', id)) === 1;
      },

      async sweep(at) {
        const evicted: string[] = [];
        for (;;) {
          const batch = strings(await run('lefluxSweep', at, SWEEP_BATCH));
          evicted.push(...batch);
          if (batch.length < SWEEP_BATCH) return evicted;
        }
      },

      async count() {
        return Number(await run('lefluxCount'));
      },
    },

    history: {
      async append(sessionId, message, options) {
        const reply = await need(
          sessionId,
          'lefluxAppend',
          sessionId,
          message.id,
          messageJson(message),
          now(),
          maxHistory,
          options?.unlessTakenOver ? '1' : '0',
        );
        if (reply === 'taken_over') throw new TakenOverError(sessionId);
        const [seq, duplicate] = reply as [number, number];
        return { seq, duplicate: duplicate === 1 };
      },

      async appendVisitor(sessionId, message, { socketId, at, url }) {
        const reply = (await need(
          sessionId,
          'lefluxAppendVisitor',
          sessionId,
          message.id,
          messageJson(message),
          socketId,
          at,
          url,
          now(),
          maxHistory,
        )) as [number, number?, number?, Reply?];
        const [ok, seq = 0, duplicate, record = null] = reply;
        if (ok !== 1) return { ok: false, reason: 'not_bound' };
        return { ok: true, session: recordOf(record), seq, duplicate: duplicate === 1 };
      },

      async after(sessionId, seq) {
        const { held, range } = heldNow(sessionId);
        const reply = await run('lefluxAfter', sessionId, seq, now(), ...range);
        if (reply === null) {
          historyCache.forget(sessionId);
          throw new SessionNotFoundError(sessionId);
        }
        return throughCache(sessionId, held, reply);
      },

      async recent(sessionId, limit) {
        const { held, range } = heldNow(sessionId);
        const reply = await run('lefluxRecent', sessionId, limit, now(), ...range);
        if (!Array.isArray(reply)) {
          historyCache.forget(sessionId);
          return undefined;
        }
        const [record = null, ...answer] = reply;
        return { session: recordOf(record), messages: throughCache(sessionId, held, answer) };
      },
    },

    sockets: {
      async bind(sessionId, socketId) {
        const previous = first(await need(sessionId, 'lefluxBind', sessionId, socketId, now()));
        return typeof previous === 'string' && previous !== '' ? previous : undefined;
      },

      async unbind(sessionId, socketId) {
        return (await run('lefluxUnbind', sessionId, socketId, now())) === 1;
      },
    },

    tasks: {
      async get(sessionId) {
        return parse<TaskState>(first(await need(sessionId, 'lefluxTaskGet', sessionId, now())));
      },

      async save(sessionId, task) {
        const reply = await need(
          sessionId,
          'lefluxTaskSave',
          sessionId,
          task.id,
          task.version,
          JSON.stringify(task),
          task.deadline ?? '',
          now(),
        );
        return reply === 1;
      },

      async delete(sessionId, taskId) {
        return (await run('lefluxTaskDelete', sessionId, taskId, now())) === 1;
      },

      async due(at) {
        return strings(await run('lefluxDue', at));
      },
    },

    waits: {
      async add(sessionId, wait) {
        const stored = await need(
          sessionId,
          'lefluxWaitAdd',
          sessionId,
          JSON.stringify(wait),
          now(),
        );
        return JSON.parse(String(stored)) as WaitRecord;
      },

      async list(filter) {
        const reply = await run('lefluxWaitList', ...filterArgs(filter), now());
        return strings(reply).map((json) => JSON.parse(json) as WaitRecord);
      },

      async take(sessionId) {
        return parse<WaitRecord>(first(await need(sessionId, 'lefluxWaitTake', sessionId, now())));
      },

      async clear(filter, scope) {
        const reply = await run(
          'lefluxWaitClear',
          ...filterArgs(filter),
          scope ?? '',
          scope === undefined ? '0' : '1',
          now(),
        );
        return Number(reply);
      },
    },

    values: {
      async get(sessionId, key) {
        return parse<JsonValue>(
          first(await need(sessionId, 'lefluxValueGet', sessionId, key, now())),
        );
      },
      async save(sessionId, key, value) {
        await need(sessionId, 'lefluxValueSave', sessionId, key, JSON.stringify(value), now());
      },
      async evict(sessionId, key) {
        return first(await need(sessionId, 'lefluxValueEvict', sessionId, key, now())) === 1;
      },
      async fetchAll(sessionId) {
        const all = fields(first(await need(sessionId, 'lefluxValueAll', sessionId, now())));
        return Object.fromEntries(
          Object.entries(all).map(([key, json]) => [key, JSON.parse(json) as JsonValue]),
        );
      },
      async clear(sessionId, retain = []) {
        await need(sessionId, 'lefluxValueClear', sessionId, now(), ...retain);
      },
    },

    siteValues,

    visitors: {
      async get(sessionId) {
        return fields(first(await need(sessionId, 'lefluxVisitorGet', sessionId, now())));
      },
      async save(sessionId, props) {
        const pairs: string[] = [];
        for (const field of CONTACT_FIELDS) {
          const value = props[field]?.trim();
          if (value) pairs.push(field, value);
        }
        const saved = await need(sessionId, 'lefluxVisitorSave', sessionId, now(), ...pairs);
        return fields(first(saved)) as ContactDetails;
      },
    },

    lock: createRedisSessionLock({
      client,
      keyPrefix: `${P}lock:`,
      leaseMs: options.lockLeaseMs,
      onLeaseLost: options.onLeaseLost,
    }),

    async ping() {
      await client.ping();
    },

    async close() {
      historyCache.clear();
      if (ownsClient && client.status !== 'end')
        await client.quit().catch(() => client.disconnect());
    },
  };
}

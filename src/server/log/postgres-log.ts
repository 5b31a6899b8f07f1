import type { QueryConfig, QueryResultRow } from 'pg';
import { consoleLogger } from '../logger.js';
import { loadOptional } from '../optional-dependency.js';
import { describeDatabaseUrl, parseDatabaseUrl } from '../service-url.js';
import { createFlushTimer } from './flush-timer.js';
import { type MessageRow, type SessionRow, toEntry, toSession } from './log-row.js';
import {
  type MessageLog,
  type MessageLogBatchOptions,
  type MessageLogEntry,
  unrefTimeout,
} from './message-log.js';
import { migrate } from './postgres-schema.js';
import { DAY_MS, likePattern, sortedSites } from './queries.js';

export interface PostgresMessageLogOptions extends MessageLogBatchOptions {
  /** Connections in the pool: one writes batches, the others serve reads and purges. Default 5. */
  poolSize?: number;
  /** How long opening a connection may take before the operation fails. Default 5 s. */
  connectTimeoutMs?: number;
  /** The server cancels a statement running longer than this. Default 15 s. */
  statementTimeoutMs?: number;
}

const INSERT = `
  INSERT INTO leflux_messages
    (session_id, seq, site_key, message_id, author, text, at, url, name, user_id, user_verified)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                       $7::bigint[], $8::text[], $9::text[], $10::text[], $11::boolean[])
  ON CONFLICT (session_id, seq) DO NOTHING`;
const SELECT_SESSION = `
  SELECT session_id, site_key, message_id, author, text, at, seq, url, name, user_id, user_verified
  FROM leflux_messages WHERE session_id = $1 ORDER BY seq`;

// The dashboard's reads. `hit` is the sessions with a message in the range (and matching the
// search: ILIKE, or the exact session id); the index (site_key, at) finds its rows. Session ids
// are ordered in the "C" collation: byte order, as SQLite orders them, whatever the database's.
const HIT = `
  WITH hit AS (
    SELECT session_id FROM leflux_messages
    WHERE site_key = $1 AND at >= $2 AND at < $3
      AND ($4::text IS NULL OR text ILIKE $5 ESCAPE '\\' OR session_id = $4)
    GROUP BY session_id
  )`;
const LIST_SESSIONS = `${HIT}
  SELECT m.session_id, MIN(m.site_key) AS site_key, MIN(m.at) AS started_at,
    MAX(m.at) AS last_at, COUNT(*) AS messages,
    (SELECT u.url FROM leflux_messages u WHERE u.session_id = m.session_id AND u.url IS NOT NULL
     ORDER BY u.seq DESC LIMIT 1) AS url
  FROM hit JOIN leflux_messages m ON m.session_id = hit.session_id
  GROUP BY m.session_id ORDER BY last_at DESC, m.session_id COLLATE "C" LIMIT $6 OFFSET $7`;
const COUNT_SESSIONS = `${HIT} SELECT COUNT(*) AS total FROM hit`;
const DAILY = `
  SELECT (at + $4) / ${DAY_MS} AS day, COUNT(DISTINCT session_id) AS conversations,
    COUNT(*) AS messages
  FROM leflux_messages WHERE site_key = $1 AND at >= $2 AND at < $3
  GROUP BY day ORDER BY day`;
const RANGE_PAGE = `
  SELECT session_id, site_key, message_id, author, text, at, seq, url, name, user_id, user_verified
  FROM leflux_messages
  WHERE site_key = $1 AND at >= $2 AND at < $3
    AND (at > $4 OR (at = $4 AND (session_id COLLATE "C" > $5
         OR (session_id = $5 AND seq > $6))))
  ORDER BY at, session_id COLLATE "C", seq LIMIT $7`;
// One index seek per site (a skip scan), not a pass over every row.
const SITES = `
  WITH RECURSIVE k(site) AS (
    SELECT MIN(site_key) FROM leflux_messages
    UNION ALL SELECT (SELECT MIN(site_key) FROM leflux_messages WHERE site_key > k.site) FROM k
    WHERE k.site IS NOT NULL
  ) SELECT site FROM k WHERE site IS NOT NULL`;

/**
 * The message log on PostgreSQL (`DATABASE_URL`), shared by every node: the same behaviour as
 * the SQLite log, through a connection pool.
 *
 * Opening returns at once; the tables are created or migrated in the background (see
 * `postgres-schema.ts`), and every operation waits for that. `ping()` fails until it has
 * succeeded, so a server that pings its log before listening refuses to start on a database
 * it cannot use, with the reason. Appends are queued and written in batches, one statement
 * and one transaction each, by a single writer; reads, purges, `flush()` and `close()` wait
 * for it, so they see (and remove) every row appended before them. A batch the database
 * refuses stays queued, in order, and is retried. A row the database cannot store at all (a
 * data error) is dropped and reported rather than blocking the rows behind it; NUL characters,
 * which PostgreSQL text cannot hold, are stored as U+FFFD.
 *
 * @example
 * const log = openPostgresMessageLog(process.env.DATABASE_URL, { logger });
 * await log.ping(); // tables ready, database answering
 * @throws {Error} at once when `url` is not a postgres:// URL.
 */
export function openPostgresMessageLog(
  url: string,
  options: PostgresMessageLogOptions = {},
): MessageLog {
  const {
    flushDelayMs = 20,
    maxBatchRows = 500,
    maxQueuedRows = 100_000,
    retryDelayMs = 1000,
    logger = consoleLogger,
    schedule: runAfter = unrefTimeout,
    now = () => performance.now(),
    poolSize = 5,
    connectTimeoutMs = 5000,
    statementTimeoutMs = 15_000,
  } = options;
  const where = `message log ${describeDatabaseUrl(url)}`;
  if (!parseDatabaseUrl(url)) {
    throw new Error(`${where}: expected a postgres:// or postgresql:// URL with a host`);
  }
  // pg is an optional dependency of the package: loaded when a PostgreSQL log opens.
  const { Pool } = loadOptional<typeof import('pg')>({
    name: 'pg',
    feature: 'the PostgreSQL message log (DATABASE_URL)',
    otherwise: 'or leave DATABASE_URL unset for the SQLite log',
  });
  const pool = new Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: statementTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: 'leflux',
    // An idle pool must not keep the process alive.
    allowExitOnIdle: true,
  });
  // A connection that dies while idle (database restart, network) is replaced on next use;
  // without a listener the pool's 'error' event would crash the process.
  pool.on('error', (error) => logger.warn(`${where}: an idle connection failed`, error));

  /**
   * Runs a statement on a pooled connection; when that connection turns out dead (the database
   * restarted or failed over, and the pool had not noticed yet), once more on a fresh one.
   * Every statement here can run twice safely: inserts skip existing keys, the rest read or
   * delete by key.
   */
  const query = async <R extends QueryResultRow>(config: QueryConfig) => {
    try {
      return await pool.query<R>(config);
    } catch (error) {
      if (!isDeadConnection(error)) throw error;
      return pool.query<R>(config);
    }
  };

  /** Names what failed and why, never the password. */
  const failure = (what: string, cause: unknown) =>
    new Error(`${where}: ${what}: ${reason(cause)}`, { cause });

  let schema: Promise<void> | undefined;
  /** Creates or migrates the tables once; a failed attempt is retried by the next caller. */
  const ensureSchema = (): Promise<void> => {
    schema ??= (async () => {
      const client = await pool.connect();
      try {
        await migrate(client);
      } finally {
        client.release();
      }
    })().catch((error: unknown) => {
      schema = undefined;
      throw failure('creating or migrating its tables failed', error);
    });
    return schema;
  };
  // At start, not on the first message: ping() reports the outcome.
  ensureSchema().catch(() => {});

  let closed = false;
  /** Appended entries waiting for their batch (copies: a caller may reuse its object). */
  let queue: MessageLogEntry[] = [];
  /** Durable appends waiting for the queued rows to be written (they resolve with them). */
  let waiting: (() => void)[] = [];
  /** Rows of the batch being written; they count against `maxQueuedRows` too. */
  let writing = 0;
  /** Set while the last write failed: appends then wait for the retry instead of writing. */
  let failing = false;
  const timer = createFlushTimer({
    delayMs: flushDelayMs,
    schedule: runAfter,
    now,
    flush: () => flushInBackground(),
  });
  /** Set while a background write waits its turn, so a burst of appends chains only one. */
  let backgroundPending = false;

  /**
   * One writer: batches and purges run one after another, in call order, so a read or purge
   * that waits its turn sees every row appended before it was called.
   */
  let turn: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(task: () => Promise<T>): Promise<T> => {
    const result = turn.then(task, task);
    turn = result.catch(() => {});
    return result;
  };

  const ensureOpen = () => {
    if (closed) throw new Error(`${where} is closed`);
  };

  /** A dashboard read: after every row appended before it is written. */
  async function read<T>(what: string, run: () => Promise<T>): Promise<T> {
    ensureOpen();
    await ensureSchema();
    await inTurn(writeQueued);
    try {
      return await run();
    } catch (error) {
      throw failure(`${what} failed`, error);
    }
  }

  /** Inserts rows in one statement; on a data error, row by row, dropping the rows refused. */
  async function insertBatch(batch: readonly MessageLogEntry[]): Promise<void> {
    const rows = firstPerKey(batch);
    try {
      await query({ name: 'leflux-log-insert', text: INSERT, values: columns(rows) });
    } catch (error) {
      if (!isDataError(error)) throw error;
      for (const row of rows) {
        try {
          await query({ name: 'leflux-log-insert', text: INSERT, values: columns([row]) });
        } catch (rowError) {
          if (!isDataError(rowError)) throw rowError;
          // Retrying cannot help; keeping it would block every row behind it. No text: PII.
          logger.error(
            `${where}: dropped the row of session ${row.sessionId}, seq ${row.seq}, which the database refuses`,
            rowError,
          );
        }
      }
    }
  }

  /** Writes every queued row (call in turn); on failure they stay queued, in order. */
  async function writeQueued(): Promise<void> {
    if (queue.length === 0) {
      timer.cancel();
      return;
    }
    timer.writing();
    const batch = queue;
    const stored = waiting;
    queue = [];
    waiting = [];
    writing = batch.length;
    try {
      await ensureSchema();
      await insertBatch(batch);
    } catch (error) {
      queue = queue.length === 0 ? batch : batch.concat(queue);
      // Whoever asked (a read, a purge, the timer) hears of it; the rows wait for the retry.
      failing = true;
      // Durable appends do not wait for a database that refuses writes: chat goes on.
      for (const done of stored) done();
      if (!closed) timer.retryIn(retryDelayMs);
      throw failure(`writing ${batch.length} row(s) failed`, error);
    } finally {
      writing = 0;
    }
    failing = false;
    for (const done of stored) done();
  }

  function flushInBackground(): void {
    if (backgroundPending || closed) return;
    backgroundPending = true;
    inTurn(() => {
      backgroundPending = false;
      return writeQueued();
    }).catch((error: unknown) => {
      logger.error(
        `${where}: writing ${queue.length} row(s) failed; retrying in ${retryDelayMs} ms`,
        error,
      );
    });
  }

  return {
    async append(entry, options) {
      ensureOpen();
      if (queue.length + writing >= maxQueuedRows) {
        throw new Error(`${where}: ${queue.length + writing} rows wait for the database`);
      }
      queue.push({ ...entry });
      if (failing) return;
      // A durable append waits for its batch: at once on a quiet log, else with the next one
      // (one statement still carries many rows under load, where a write per message cost
      // several times the CPU).
      const durable = options?.durable === true;
      const stored = durable ? new Promise<void>((done) => waiting.push(done)) : undefined;
      if (queue.length >= maxBatchRows) flushInBackground();
      else timer.request(durable);
      await stored;
    },
    async flush() {
      ensureOpen();
      await inTurn(writeQueued);
    },
    async listSession(sessionId) {
      ensureOpen();
      await ensureSchema();
      await inTurn(writeQueued);
      try {
        const { rows } = await query<MessageRow>({
          name: 'leflux-log-select-session',
          text: SELECT_SESSION,
          values: [sessionId],
        });
        return rows.map(toEntry);
      } catch (error) {
        throw failure('reading a session failed', error);
      }
    },
    async purgeSession(sessionId) {
      ensureOpen();
      await ensureSchema();
      // In turn: the session's queued rows are written first, so the delete removes them too.
      return inTurn(async () => {
        await writeQueued();
        try {
          const result = await query({
            text: 'DELETE FROM leflux_messages WHERE session_id = $1',
            values: [sessionId],
          });
          return result.rowCount ?? 0;
        } catch (error) {
          throw failure('purging a session failed', error);
        }
      });
    },
    async listSessions({ siteKey, from, to, search, limit, offset = 0 }) {
      const params = [
        siteKey,
        from,
        to,
        search === undefined ? null : storable(search),
        search === undefined ? null : likePattern(storable(search)),
      ];
      const [list, count] = await read('listing sessions', () =>
        Promise.all([
          query<SessionRow>({ text: LIST_SESSIONS, values: [...params, limit, offset] }),
          query<{ total: string }>({ text: COUNT_SESSIONS, values: params }),
        ]),
      );
      return { sessions: list.rows.map(toSession), total: Number(count.rows[0]?.total ?? 0) };
    },
    async dailyCounts({ siteKey, from, to, utcOffsetMinutes = 0 }) {
      const offset = Math.round(utcOffsetMinutes * 60_000);
      const { rows } = await read('counting by day', () =>
        query<{ day: string; conversations: string; messages: string }>({
          text: DAILY,
          values: [siteKey, from, to, offset],
        }),
      );
      return rows.map((row) => ({
        day: Number(row.day),
        conversations: Number(row.conversations),
        messages: Number(row.messages),
      }));
    },
    async listRange({ siteKey, from, to, limit, after }) {
      const cursor = after ?? { at: Number.MIN_SAFE_INTEGER, sessionId: '', seq: 0 };
      const { rows } = await read('reading a range', () =>
        query<MessageRow>({
          text: RANGE_PAGE,
          values: [siteKey, from, to, cursor.at, cursor.sessionId, cursor.seq, limit],
        }),
      );
      return rows.map(toEntry);
    },
    async deleteBefore(siteKey, before) {
      ensureOpen();
      await ensureSchema();
      // In turn: queued rows are written first, so old ones among them go too.
      return inTurn(async () => {
        await writeQueued();
        try {
          const result = await query({
            text: 'DELETE FROM leflux_messages WHERE site_key = $1 AND at < $2',
            values: [siteKey, before],
          });
          return result.rowCount ?? 0;
        } catch (error) {
          throw failure('deleting old rows failed', error);
        }
      });
    },
    async sites() {
      const { rows } = await read('listing sites', () => query<{ site: string }>({ text: SITES }));
      return sortedSites(rows.map((row) => row.site));
    },
    async ping() {
      ensureOpen();
      await ensureSchema();
      try {
        await query({ text: 'SELECT 1' });
      } catch (error) {
        throw failure('the database does not answer', error);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      timer.cancel();
      try {
        await inTurn(writeQueued);
      } catch (error) {
        logger.error(`${where}: ${queue.length} row(s) lost at close`, error);
      } finally {
        timer.cancel();
        await pool.end();
      }
    },
  };
}

/** The first entry of each (session, seq), in order: the rest are retried writes. */
function firstPerKey(batch: readonly MessageLogEntry[]): MessageLogEntry[] {
  const seen = new Set<string>();
  return batch.filter((row) => {
    const key = `${row.seq} ${row.sessionId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** PostgreSQL text cannot hold NUL; everything else is stored as given. */
const storable = (text: string) => (text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text);

/** The rows as the eleven arrays `unnest` turns back into rows. */
function columns(rows: readonly MessageLogEntry[]): unknown[][] {
  const cols: unknown[][] = [[], [], [], [], [], [], [], [], [], [], []];
  for (const row of rows) {
    cols[0]!.push(storable(row.sessionId));
    cols[1]!.push(row.seq);
    cols[2]!.push(storable(row.siteKey));
    cols[3]!.push(storable(row.messageId));
    cols[4]!.push(row.author);
    cols[5]!.push(storable(row.text));
    cols[6]!.push(row.at);
    cols[7]!.push(row.url === undefined ? null : storable(row.url));
    cols[8]!.push(row.name === undefined ? null : storable(row.name));
    cols[9]!.push(row.identity === undefined ? null : storable(row.identity.userId));
    cols[10]!.push(row.identity === undefined ? null : row.identity.verified);
  }
  return cols;
}

/** SQLSTATE class 22 (data exception): this row can never be stored; retrying will not help. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

/**
 * The connection is gone, not the statement wrong: SQLSTATE class 08 (connection exception)
 * or 57P01-57P03 (the server shut down or is starting), a reset socket, or pg's own words for
 * a connection that ended under it.
 */
function isDeadConnection(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || /^57P0[123]$/.test(code)) return true;
    if (code === 'ECONNRESET' || code === 'EPIPE') return true;
  }
  return (
    error instanceof Error &&
    /^(Connection terminated unexpectedly|Client has encountered a connection error)/.test(
      error.message,
    )
  );
}

/** A one-line reason; node's connection errors to a host with several addresses have no message. */
function reason(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return error.errors.map(reason).join('; ');
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return error.message || (typeof code === 'string' ? code : error.name);
  }
  return String(error);
}

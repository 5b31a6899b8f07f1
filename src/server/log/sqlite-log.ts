import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'libsql';
import { consoleLogger } from '../logger.js';
import { loadOptional } from '../optional-dependency.js';
import { createFlushTimer } from './flush-timer.js';
import { type MessageRow, type SessionRow, toEntry, toSession } from './log-row.js';
import {
  type MessageLog,
  type MessageLogBatchOptions,
  type MessageLogEntry,
  unrefTimeout,
} from './message-log.js';
import { DAY_MS, likePattern, sortedSites } from './queries.js';
import { migrate } from './sqlite-schema.js';

/** Rows per multi-row INSERT: one statement step per chunk, not per row (~15% of a row's cost). */
const CHUNK_ROWS = 32;
/** Session ids whose `sid` is remembered; a forgotten one costs one indexed lookup. */
const SID_CACHE_SIZE = 10_000;

export interface SqliteMessageLogOptions extends MessageLogBatchOptions {
  /** How long a write waits for another connection's lock before failing. Default 2000 ms. */
  busyTimeoutMs?: number;
}

/**
 * The default message log: one SQLite file (WAL), or `:memory:` for tests. Creates the
 * file's directory when missing.
 *
 * Appends are queued and written in one transaction per batch (after `flushDelayMs`, or at
 * once when `maxBatchRows` are queued): one commit per message cost the chat path more than
 * everything else together. `append` resolves once the row is queued, so chat never waits
 * for the disk. A batch the database refuses stays queued, in order, and is retried; reads,
 * purges and `close()` write the queue first, so they see (and remove) every appended row.
 *
 * @example
 * const log = openSqliteMessageLog('./data/leflux.sqlite', { logger });
 * await log.append(entry); // queued; written within 20 ms
 */
export function openSqliteMessageLog(
  path: string,
  options: SqliteMessageLogOptions = {},
): MessageLog {
  const {
    // A commit costs about as much as 100 rows, so under load 500-row batches write a row in
    // ~4 us where 100-row ones took ~7 us; a dashboard never notices 20 ms.
    flushDelayMs = 20,
    maxBatchRows = 500,
    maxQueuedRows = 100_000,
    retryDelayMs = 1000,
    busyTimeoutMs = 2000,
    logger = consoleLogger,
    schedule: runAfter = unrefTimeout,
    now = () => performance.now(),
  } = options;
  // libsql (a native binary) is an optional dependency of the package: loaded when a log opens.
  const Sqlite = loadOptional<typeof Database>({
    name: 'libsql',
    feature: 'the SQLite message log (LEFLUX_DB)',
    otherwise: 'or turn the log off (LEFLUX_MESSAGE_LOG=off, messageLog: false)',
  });
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Sqlite(path);
  // WAL lets the dashboard read while the chat path writes.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Checkpoint every ~16 MB of WAL rather than SQLite's 4 MB: a page rewritten by many
  // batches is copied back once, and fsyncs are 4x rarer (~15% of a batch's CPU). The file
  // is cut back to 32 MB after a checkpoint.
  db.pragma('wal_autocheckpoint = 4000');
  db.pragma('journal_size_limit = 33554432');
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  migrate(db);

  // A (session, seq) written twice (a batch retried after a partial failure) keeps its first row.
  const insertRows = (rows: number) =>
    db.prepare(
      `INSERT OR IGNORE INTO messages
         (sid, site_key, message_id, author, text, at, seq, url, name, user_id, user_verified)
       VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    );
  const insertOne = insertRows(1);
  const insertChunk = insertRows(CHUNK_ROWS);
  const findSid = db.prepare('SELECT sid FROM sessions WHERE session_id = ?');
  const addSession = db.prepare('INSERT INTO sessions (session_id, site_key) VALUES (?, ?)');
  const select = db.prepare(
    `SELECT s.session_id, m.site_key, m.message_id, m.author, m.text, m.at, m.seq, m.url, m.name,
           m.user_id, m.user_verified
     FROM sessions s JOIN messages m ON m.sid = s.sid
     WHERE s.session_id = ? ORDER BY m.seq`,
  );
  const purgeMessages = db.prepare(
    'DELETE FROM messages WHERE sid = (SELECT sid FROM sessions WHERE session_id = ?)',
  );
  const purgeSession = db.prepare('DELETE FROM sessions WHERE session_id = ?');
  const probe = db.prepare('SELECT 1 AS ok');

  // The dashboard's reads. `hit` is the sessions with a message in the range (and matching the
  // search, a LIKE pattern or the exact session id); the index (site_key, at) finds its rows.
  const HIT = `
    WITH hit AS (
      SELECT sid FROM messages
      WHERE site_key = @site AND at >= @from AND at < @to
        AND (@search IS NULL OR text LIKE @pattern ESCAPE '\\'
             OR sid = (SELECT sid FROM sessions WHERE session_id = @search))
      GROUP BY sid
    )`;
  const listHits = db.prepare(`${HIT}
    SELECT s.session_id, s.site_key, MIN(m.at) AS started_at, MAX(m.at) AS last_at,
      COUNT(*) AS messages,
      (SELECT u.url FROM messages u WHERE u.sid = m.sid AND u.url IS NOT NULL
       ORDER BY u.seq DESC LIMIT 1) AS url
    FROM hit JOIN messages m ON m.sid = hit.sid JOIN sessions s ON s.sid = hit.sid
    GROUP BY m.sid ORDER BY last_at DESC, s.session_id LIMIT @limit OFFSET @offset`);
  const countHits = db.prepare(`${HIT} SELECT COUNT(*) AS total FROM hit`);
  const daily = db.prepare(`
    SELECT (at + CAST(@offset AS INTEGER)) / ${DAY_MS} AS day, COUNT(DISTINCT sid) AS conversations,
      COUNT(*) AS messages
    FROM messages WHERE site_key = @site AND at >= @from AND at < @to
    GROUP BY day ORDER BY day`);
  const rangePage = db.prepare(`
    SELECT s.session_id, m.site_key, m.message_id, m.author, m.text, m.at, m.seq, m.url, m.name,
           m.user_id, m.user_verified
    FROM messages m JOIN sessions s ON s.sid = m.sid
    WHERE m.site_key = @site AND m.at >= @from AND m.at < @to
      AND (m.at, s.session_id, m.seq) > (@at, @sessionId, @seq)
    ORDER BY m.at, s.session_id, m.seq LIMIT @limit`);
  const deleteOld = db.prepare('DELETE FROM messages WHERE site_key = ? AND at < ?');
  // A session whose every row went keeps no sessions row either.
  const deleteEmptied = db.prepare(
    `DELETE FROM sessions WHERE site_key = ?
     AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.sid = sessions.sid)`,
  );
  // One index seek per site (a skip scan), not a pass over every row.
  const siteKeys = db.prepare(`
    WITH RECURSIVE k(site) AS (
      SELECT MIN(site_key) FROM messages
      UNION ALL SELECT (SELECT MIN(site_key) FROM messages WHERE site_key > k.site) FROM k
      WHERE k.site IS NOT NULL
    ) SELECT site FROM k WHERE site IS NOT NULL`);
  /** session id -> sid of committed sessions rows, oldest first (evicted in that order). */
  const sids = new Map<string, number>();

  let closed = false;
  /** Appended entries waiting for their batch (copies: a caller may reuse its object). */
  let queue: MessageLogEntry[] = [];
  /** Durable appends waiting for the queued rows to be written (they resolve with them). */
  let waiting: (() => void)[] = [];
  const timer = createFlushTimer({
    delayMs: flushDelayMs,
    schedule: runAfter,
    now,
    flush: () => flushInBackground(),
  });
  /** Set while the last write failed: appends then wait for the retry instead of writing. */
  let failing = false;

  // libsql's prepared statements keep working after db.close(); refuse explicitly instead.
  const ensureOpen = () => {
    if (closed) throw new Error(`message log ${path} is closed`);
  };

  const remember = (sessionId: string, sid: number) => {
    sids.set(sessionId, sid);
    if (sids.size > SID_CACHE_SIZE) sids.delete(sids.keys().next().value as string);
  };

  /** Inserts the rows inside the caller's transaction; returns the sessions rows it added. */
  function insertBatch(batch: readonly MessageLogEntry[]): Map<string, number> {
    const added = new Map<string, number>();
    const sidOf = (row: MessageLogEntry): number => {
      let sid = sids.get(row.sessionId) ?? added.get(row.sessionId);
      if (sid === undefined) {
        const found = findSid.get(row.sessionId) as { sid: number } | undefined;
        sid = found?.sid ?? Number(addSession.run(row.sessionId, row.siteKey).lastInsertRowid);
        added.set(row.sessionId, sid);
      }
      return sid;
    };
    const values: (string | number | null)[] = [];
    const push = (row: MessageLogEntry) => {
      values.push(sidOf(row), row.siteKey, row.messageId, row.author, row.text, row.at);
      values.push(row.seq, row.url ?? null, row.name ?? null);
      values.push(
        row.identity?.userId ?? null,
        row.identity ? Number(row.identity.verified) : null,
      );
    };
    let i = 0;
    for (; i + CHUNK_ROWS <= batch.length; i += CHUNK_ROWS) {
      values.length = 0;
      for (let j = i; j < i + CHUNK_ROWS; j++) push(batch[j] as MessageLogEntry);
      insertChunk.run(values);
    }
    for (; i < batch.length; i++) {
      values.length = 0;
      push(batch[i] as MessageLogEntry);
      insertOne.run(values);
    }
    return added;
  }

  /** Writes every queued row in one transaction; on failure they stay queued, in order. */
  function writeQueued(): void {
    if (queue.length === 0) {
      timer.cancel();
      return;
    }
    timer.writing();
    const batch = queue;
    const stored = waiting;
    queue = [];
    waiting = [];
    try {
      // IMMEDIATE takes the write lock up front: a busy database fails here, not halfway.
      db.exec('BEGIN IMMEDIATE');
      try {
        const added = insertBatch(batch);
        db.exec('COMMIT');
        // Only committed sessions rows: a rolled-back batch must not leave a sid behind.
        for (const [sessionId, sid] of added) remember(sessionId, sid);
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    } catch (error) {
      queue = queue.length === 0 ? batch : batch.concat(queue);
      // Whoever asked (a read, a purge, the timer) hears of it; the rows wait for the retry.
      failing = true;
      // Durable appends do not wait for a database that refuses writes: chat goes on.
      for (const done of stored) done();
      if (!closed) timer.retryIn(retryDelayMs);
      throw error;
    }
    failing = false;
    for (const done of stored) done();
  }

  function flushInBackground(): void {
    if (closed) return;
    try {
      writeQueued();
    } catch (error) {
      logger.error(
        `message log ${path}: writing ${queue.length} row(s) failed; retrying in ${retryDelayMs} ms`,
        error,
      );
    }
  }

  return {
    async append(entry, options) {
      ensureOpen();
      if (queue.length >= maxQueuedRows) {
        throw new Error(`message log ${path}: ${queue.length} rows wait for the database`);
      }
      queue.push({ ...entry });
      if (failing) return;
      // A durable append waits for its batch: at once on a quiet log, else with the next one.
      const durable = options?.durable === true;
      const stored = durable ? new Promise<void>((done) => waiting.push(done)) : undefined;
      if (queue.length >= maxBatchRows) flushInBackground();
      else timer.request(durable);
      await stored;
    },
    async flush() {
      ensureOpen();
      writeQueued();
    },
    async listSession(sessionId) {
      ensureOpen();
      writeQueued();
      return (select.all(sessionId) as MessageRow[]).map(toEntry);
    },
    async purgeSession(sessionId) {
      ensureOpen();
      // Queued rows of the session are written first, so the delete removes them too.
      writeQueued();
      db.exec('BEGIN IMMEDIATE');
      try {
        const removed = purgeMessages.run(sessionId).changes;
        purgeSession.run(sessionId);
        db.exec('COMMIT');
        sids.delete(sessionId);
        return removed;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    },
    async listSessions({ siteKey, from, to, search, limit, offset = 0 }) {
      ensureOpen();
      writeQueued();
      const params = {
        site: siteKey,
        from,
        to,
        search: search ?? null,
        pattern: search === undefined ? null : likePattern(search),
      };
      const rows = listHits.all({ ...params, limit, offset }) as SessionRow[];
      const { total } = countHits.get(params) as { total: number };
      return { sessions: rows.map(toSession), total };
    },
    async dailyCounts({ siteKey, from, to, utcOffsetMinutes = 0 }) {
      ensureOpen();
      writeQueued();
      const offset = Math.round(utcOffsetMinutes * 60_000);
      return daily.all({ site: siteKey, from, to, offset }) as {
        day: number;
        conversations: number;
        messages: number;
      }[];
    },
    async listRange({ siteKey, from, to, limit, after }) {
      ensureOpen();
      writeQueued();
      const cursor = after ?? { at: Number.MIN_SAFE_INTEGER, sessionId: '', seq: 0 };
      return (
        rangePage.all({
          site: siteKey,
          from,
          to,
          at: cursor.at,
          sessionId: cursor.sessionId,
          seq: cursor.seq,
          limit,
        }) as MessageRow[]
      ).map(toEntry);
    },
    async deleteBefore(siteKey, before) {
      ensureOpen();
      writeQueued();
      db.exec('BEGIN IMMEDIATE');
      try {
        const removed = deleteOld.run(siteKey, before).changes;
        if (removed > 0) deleteEmptied.run(siteKey);
        db.exec('COMMIT');
        // Some interned sessions may be gone: the cache must not hand out their sids.
        if (removed > 0) sids.clear();
        return removed;
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    },
    async sites() {
      ensureOpen();
      writeQueued();
      return sortedSites((siteKeys.all() as { site: string }[]).map((row) => row.site));
    },
    async ping() {
      ensureOpen();
      probe.get();
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        writeQueued();
      } catch (error) {
        logger.error(`message log ${path}: ${queue.length} row(s) lost at close`, error);
      } finally {
        timer.cancel();
        db.close();
      }
    },
  };
}

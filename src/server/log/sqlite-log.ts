import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'libsql';
import type { Author } from '../../protocol/index.js';
import { consoleLogger, type Logger } from '../logger.js';
import type { MessageLog, MessageLogEntry } from './message-log.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  session_id TEXT NOT NULL,
  site_key   TEXT NOT NULL,
  message_id TEXT NOT NULL,
  author     TEXT NOT NULL,
  text       TEXT NOT NULL,
  at         INTEGER NOT NULL,
  seq        INTEGER NOT NULL,
  url        TEXT,
  UNIQUE (session_id, message_id)
);
CREATE INDEX IF NOT EXISTS messages_site_at ON messages (site_key, at);
-- A session's rows are found through the UNIQUE (session_id, message_id) index and sorted
-- by seq: one conversation is small. A separate (session_id, seq) index cost ~40% of every
-- batch (one more b-tree page dirtied per active session); files made before drop it here.
DROP INDEX IF EXISTS messages_session_seq;
`;

interface Row {
  session_id: string;
  site_key: string;
  message_id: string;
  author: string;
  text: string;
  at: number;
  seq: number;
  url: string | null;
}

/** An appended entry waiting for its batch, as the insert statement's positional values. */
type QueuedRow = [string, string, string, Author, string, number, number, string | null];

export interface SqliteMessageLogOptions {
  /** Longest an appended row waits in memory before its batch is written. Default 5 ms. */
  flushDelayMs?: number;
  /** A queue this long is written at once, without waiting for the delay. Default 500 rows. */
  maxBatchRows?: number;
  /**
   * Rows kept while the database refuses writes (they are retried); past this, `append`
   * rejects instead of growing memory without bound. Default 100,000.
   */
  maxQueuedRows?: number;
  /** Wait before retrying a batch the database refused. Default 1 s. */
  retryDelayMs?: number;
  /** How long a write waits for another connection's lock before failing. Default 2000 ms. */
  busyTimeoutMs?: number;
  /** Where refused batches are reported. Default `consoleLogger`. */
  logger?: Logger;
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
 * await log.append(entry); // queued; written within 5 ms
 */
export function openSqliteMessageLog(
  path: string,
  options: SqliteMessageLogOptions = {},
): MessageLog {
  const {
    flushDelayMs = 5,
    maxBatchRows = 500,
    maxQueuedRows = 100_000,
    retryDelayMs = 1000,
    busyTimeoutMs = 2000,
    logger = consoleLogger,
  } = options;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // WAL lets the dashboard read while the chat path writes.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Checkpoint every ~16 MB of WAL rather than SQLite's 4 MB: a page rewritten by many
  // batches is copied back once, and fsyncs are 4x rarer (~15% of a batch's CPU). The file
  // is cut back to 32 MB after a checkpoint.
  db.pragma('wal_autocheckpoint = 4000');
  db.pragma('journal_size_limit = 33554432');
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  db.exec(SCHEMA);

  // Resends of the same message id are expected (client outbox); the first row wins.
  const insert = db.prepare(
    `INSERT OR IGNORE INTO messages (session_id, site_key, message_id, author, text, at, seq, url)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const select = db.prepare('SELECT * FROM messages WHERE session_id = ? ORDER BY seq');
  const purge = db.prepare('DELETE FROM messages WHERE session_id = ?');
  const probe = db.prepare('SELECT 1 AS ok');

  let closed = false;
  let queue: QueuedRow[] = [];
  let timer: NodeJS.Timeout | undefined;
  /** Set while the last write failed: appends then wait for the retry instead of writing. */
  let failing = false;

  // libsql's prepared statements keep working after db.close(); refuse explicitly instead.
  const ensureOpen = () => {
    if (closed) throw new Error(`message log ${path} is closed`);
  };

  const schedule = (ms: number) => {
    if (timer) return;
    timer = setTimeout(flushInBackground, ms);
    // Queued rows alone must not keep the process alive; close() writes them.
    timer.unref();
  };

  /** Writes every queued row in one transaction; on failure they stay queued, in order. */
  function writeQueued(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    try {
      // IMMEDIATE takes the write lock up front: a busy database fails here, not halfway.
      db.exec('BEGIN IMMEDIATE');
      try {
        for (const row of batch) insert.run(row);
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    } catch (error) {
      queue = queue.length === 0 ? batch : batch.concat(queue);
      // Whoever asked (a read, a purge, the timer) hears of it; the rows wait for the retry.
      failing = true;
      if (!closed) schedule(retryDelayMs);
      throw error;
    }
    failing = false;
  }

  function flushInBackground(): void {
    timer = undefined;
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
    async append(entry) {
      ensureOpen();
      if (queue.length >= maxQueuedRows) {
        throw new Error(`message log ${path}: ${queue.length} rows wait for the database`);
      }
      queue.push([
        entry.sessionId,
        entry.siteKey,
        entry.messageId,
        entry.author,
        entry.text,
        entry.at,
        entry.seq,
        entry.url ?? null,
      ]);
      if (failing) return;
      if (queue.length >= maxBatchRows) flushInBackground();
      else schedule(flushDelayMs);
    },
    async flush() {
      ensureOpen();
      writeQueued();
    },
    async listSession(sessionId) {
      ensureOpen();
      writeQueued();
      return (select.all(sessionId) as Row[]).map(toEntry);
    },
    async purgeSession(sessionId) {
      ensureOpen();
      // Queued rows of the session are written first, so the delete removes them too.
      writeQueued();
      return purge.run(sessionId).changes;
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
        if (timer) clearTimeout(timer);
        db.close();
      }
    },
  };
}

function toEntry(row: Row): MessageLogEntry {
  const entry: MessageLogEntry = {
    sessionId: row.session_id,
    siteKey: row.site_key,
    messageId: row.message_id,
    // Only the server writes this table, always with a valid Author.
    author: row.author as Author,
    text: row.text,
    at: row.at,
    seq: row.seq,
  };
  if (row.url !== null) entry.url = row.url;
  return entry;
}

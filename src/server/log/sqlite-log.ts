import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'libsql';
import type { Author } from '../../protocol/index.js';
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
CREATE INDEX IF NOT EXISTS messages_session_seq ON messages (session_id, seq);
CREATE INDEX IF NOT EXISTS messages_site_at ON messages (site_key, at);
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

/**
 * The default message log: one SQLite file (WAL), or `:memory:` for tests.
 * Creates the file's directory when missing.
 *
 * @example
 * const log = openSqliteMessageLog('./data/leflux.sqlite');
 */
export function openSqliteMessageLog(path: string): MessageLog {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // WAL lets the dashboard read while the chat path writes.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 2000');
  db.exec(SCHEMA);

  // Resends of the same message id are expected (client outbox); the first row wins.
  const insert = db.prepare(
    `INSERT OR IGNORE INTO messages (session_id, site_key, message_id, author, text, at, seq, url)
     VALUES (@sessionId, @siteKey, @messageId, @author, @text, @at, @seq, @url)`,
  );
  const select = db.prepare('SELECT * FROM messages WHERE session_id = ? ORDER BY seq');
  const purge = db.prepare('DELETE FROM messages WHERE session_id = ?');
  const probe = db.prepare('SELECT 1 AS ok');

  let closed = false;
  // libsql's prepared statements keep working after db.close(); refuse explicitly instead.
  const ensureOpen = () => {
    if (closed) throw new Error(`message log ${path} is closed`);
  };

  return {
    async append(entry) {
      ensureOpen();
      insert.run({ ...entry, url: entry.url ?? null });
    },
    async listSession(sessionId) {
      ensureOpen();
      return (select.all(sessionId) as Row[]).map(toEntry);
    },
    async purgeSession(sessionId) {
      ensureOpen();
      return purge.run(sessionId).changes;
    },
    async ping() {
      ensureOpen();
      probe.get();
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
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

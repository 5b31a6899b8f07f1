import type Database from 'libsql';

/**
 * The message log's tables (`PRAGMA user_version` 5: 4 plus `messages.user_id` and
 * `user_verified`, who the site said the visitor was; 4 was 3 plus an index of sessions by site,
 * for the retention sweep; 3 was 2 plus `messages.name`, the author name an operator's message
 * carries).
 *
 * Sessions are interned: `sessions` gives each session id a small integer `sid`, in order of
 * first appearance, and `messages` is keyed by (sid, seq). Keying rows by the text session id
 * (version 1: UNIQUE (session_id, message_id)) put every insert at a random place in a wide
 * index, which cost ~60% of the log's time per row; recent sessions now sit together at the
 * end of a narrow integer index. The store gives each accepted message its seq exactly once
 * (a resend keeps its first seq), so (sid, seq) identifies a message.
 */
export const SCHEMA_VERSION = 5;

const SESSIONS_BY_SITE = 'CREATE INDEX IF NOT EXISTS sessions_site ON sessions (site_key);';

const TABLES = `
CREATE TABLE IF NOT EXISTS sessions (
  sid        INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL UNIQUE,
  site_key   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
  sid        INTEGER NOT NULL,
  site_key   TEXT NOT NULL,
  message_id TEXT NOT NULL,
  author     TEXT NOT NULL,
  text       TEXT NOT NULL,
  at         INTEGER NOT NULL,
  seq        INTEGER NOT NULL,
  url        TEXT,
  name       TEXT,
  user_id    TEXT,
  user_verified INTEGER,
  UNIQUE (sid, seq)
);
-- The dashboard reads a site's messages by time.
CREATE INDEX IF NOT EXISTS messages_site_at ON messages (site_key, at);
${SESSIONS_BY_SITE}
`;

/** Version 4 files lack the visitor's identity; their rows have none. */
const FROM_VERSION_4 = `
ALTER TABLE messages ADD COLUMN user_id TEXT;
ALTER TABLE messages ADD COLUMN user_verified INTEGER;
`;

/** Version 3 files lack it: the retention sweep finds a site's emptied sessions by it. */
const FROM_VERSION_3 = `${SESSIONS_BY_SITE} ${FROM_VERSION_4}`;

/** Version 2 files lack the author name; their rows have none. */
const FROM_VERSION_2 = `ALTER TABLE messages ADD COLUMN name TEXT; ${FROM_VERSION_3}`;

/** Version 1 files keyed messages by session_id; their rows move to the interned tables. */
const FROM_VERSION_1 = `
ALTER TABLE messages RENAME TO messages_v1;
DROP INDEX IF EXISTS messages_site_at;
DROP INDEX IF EXISTS messages_session_seq;
${TABLES}
INSERT INTO sessions (session_id, site_key)
  SELECT session_id, site_key FROM messages_v1 GROUP BY session_id ORDER BY MIN(rowid);
INSERT OR IGNORE INTO messages (sid, site_key, message_id, author, text, at, seq, url)
  SELECT s.sid, m.site_key, m.message_id, m.author, m.text, m.at, m.seq, m.url
  FROM messages_v1 m JOIN sessions s ON s.session_id = m.session_id ORDER BY m.rowid;
DROP TABLE messages_v1;
`;

const hasColumn = (db: Database.Database, table: string, column: string) =>
  (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).some(
    (c) => c.name === column,
  );

/** libsql's `pragma(..., { simple: true })` returns a row object, not the value: read the row. */
export const userVersion = (db: Database.Database): number =>
  (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;

/**
 * Creates the tables, or brings a file made by an earlier version up to date in one
 * transaction (all of its rows kept, or nothing changed). Refuses a file from a newer version.
 */
export function migrate(db: Database.Database): void {
  const version = userVersion(db);
  if (version === SCHEMA_VERSION) return;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `message log schema version ${version} is newer than this server's (${SCHEMA_VERSION})`,
    );
  }
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(
      version === 4
        ? FROM_VERSION_4
        : version === 3
          ? FROM_VERSION_3
          : version === 2
            ? FROM_VERSION_2
            : hasColumn(db, 'messages', 'session_id')
              ? FROM_VERSION_1
              : TABLES,
    );
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

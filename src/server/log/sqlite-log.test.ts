// @vitest-environment node
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import { createDisabledMessageLog, type MessageLog } from './message-log.js';
import { describeMessageLog, entry, type MessageLogFixture } from './message-log-conformance.js';
import { openSqliteMessageLog } from './sqlite-log.js';
import { SCHEMA_VERSION, userVersion } from './sqlite-schema.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh database file, and a second connection to it that sees only what was committed. */
function tempDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'leflux-log-'));
  dirs.push(dir);
  const path = join(dir, 'leflux.sqlite');
  const reader = () => {
    const db = new Database(path);
    db.pragma('busy_timeout = 0');
    return db;
  };
  return { dir, path, reader };
}

function sqliteFixture(): MessageLogFixture {
  const { path, reader } = tempDatabase();
  return {
    // No waiting for another connection's lock: refuseWrites() makes writes fail at once.
    open: (options) => openSqliteMessageLog(path, { busyTimeoutMs: 0, ...options }),
    async committed() {
      const db = reader();
      try {
        const rows = db
          .prepare(
            `SELECT m.message_id FROM messages m JOIN sessions s ON s.sid = m.sid
             ORDER BY s.session_id, m.seq`,
          )
          .all() as { message_id: string }[];
        return rows.map((r) => r.message_id);
      } catch (error) {
        // Before the log has made its tables there is nothing committed.
        if (/no such table/.test(String(error))) return [];
        throw error;
      } finally {
        db.close();
      }
    },
    async refuseWrites() {
      // Another connection holds the write lock.
      const other = reader();
      other.exec('BEGIN IMMEDIATE');
      return async () => {
        other.exec('COMMIT');
        other.close();
      };
    },
  };
}

describeMessageLog('sqlite', sqliteFixture);

/** The tables of a version 3 file (4 added an index, 5 the visitor's identity). */
const VERSION_3_TABLES = `
      CREATE TABLE sessions (sid INTEGER PRIMARY KEY, session_id TEXT NOT NULL UNIQUE, site_key TEXT NOT NULL);
      CREATE TABLE messages (
        sid INTEGER NOT NULL, site_key TEXT NOT NULL, message_id TEXT NOT NULL, author TEXT NOT NULL,
        text TEXT NOT NULL, at INTEGER NOT NULL, seq INTEGER NOT NULL, url TEXT, name TEXT,
        UNIQUE (sid, seq));
      CREATE INDEX messages_site_at ON messages (site_key, at);
`;
/** The row of `entry()` in a version 3 file. */
const VERSION_3_ROW = `
      INSERT INTO sessions (session_id, site_key) VALUES ('s1', 'acme');
      INSERT INTO messages VALUES (1, 'acme', 'm1', 'visitor', 'hello', 1000, 1, 'https://acme.test/', NULL);
`;

describe('sqlite message log files', () => {
  let log: MessageLog | undefined;
  afterEach(async () => {
    await log?.close();
    log = undefined;
  });

  it('creates the directory of a file database', async () => {
    const { dir } = tempDatabase();
    const path = join(dir, 'nested', 'leflux.sqlite');
    log = openSqliteMessageLog(path);
    await log.append(entry());
    await log.close();
    log = openSqliteMessageLog(path);
    expect(await log.listSession('s1')).toEqual([entry()]);
  });

  it('keeps a :memory: log for tests', async () => {
    log = openSqliteMessageLog(':memory:');
    await log.append(entry());
    expect(await log.listSession('s1')).toEqual([entry()]);
  });

  it('moves the rows of a version 1 file (keyed by session_id) to the interned tables', async () => {
    const { path, reader } = tempDatabase();
    const old = reader();
    old.exec(`
      CREATE TABLE messages (
        session_id TEXT NOT NULL, site_key TEXT NOT NULL, message_id TEXT NOT NULL,
        author TEXT NOT NULL, text TEXT NOT NULL, at INTEGER NOT NULL, seq INTEGER NOT NULL,
        url TEXT, UNIQUE (session_id, message_id));
      CREATE INDEX messages_site_at ON messages (site_key, at);
      CREATE INDEX messages_session_seq ON messages (session_id, seq);
      INSERT INTO messages VALUES ('s1', 'acme', 'm2', 'agent', 'hi', 2000, 2, NULL);
      INSERT INTO messages VALUES ('s2', 'beta', 'x1', 'visitor', 'yo', 1500, 1, 'https://b.test/');
      INSERT INTO messages VALUES ('s1', 'acme', 'm1', 'visitor', 'hello', 1000, 1, 'https://acme.test/');
    `);
    old.close();
    log = openSqliteMessageLog(path);
    expect(await log.listSession('s1')).toEqual([
      entry(),
      entry({ messageId: 'm2', author: 'agent', text: 'hi', at: 2000, seq: 2, url: undefined }),
    ]);
    expect(await log.listSession('s2')).toEqual([
      entry({
        sessionId: 's2',
        siteKey: 'beta',
        messageId: 'x1',
        text: 'yo',
        at: 1500,
        url: 'https://b.test/',
      }),
    ]);
    await log.append(entry({ messageId: 'm3', seq: 3 }));
    expect((await log.listSession('s1')).map((e) => e.seq)).toEqual([1, 2, 3]);
    await log.close();
    log = undefined;
    const db = reader();
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all();
    const version = userVersion(db);
    db.close();
    expect(tables.map((row) => (row as { name: string }).name)).toEqual(['messages', 'sessions']);
    expect(version).toBe(SCHEMA_VERSION);
  });

  it('gives a version 2 file the name column, keeping its rows', async () => {
    const { path, reader } = tempDatabase();
    const v2 = reader();
    v2.exec(`
      CREATE TABLE sessions (sid INTEGER PRIMARY KEY, session_id TEXT NOT NULL UNIQUE, site_key TEXT NOT NULL);
      CREATE TABLE messages (
        sid INTEGER NOT NULL, site_key TEXT NOT NULL, message_id TEXT NOT NULL, author TEXT NOT NULL,
        text TEXT NOT NULL, at INTEGER NOT NULL, seq INTEGER NOT NULL, url TEXT, UNIQUE (sid, seq));
      INSERT INTO sessions (session_id, site_key) VALUES ('s1', 'acme');
      INSERT INTO messages VALUES (1, 'acme', 'm1', 'visitor', 'hello', 1000, 1, 'https://acme.test/');
      PRAGMA user_version = 2;
    `);
    v2.close();
    log = openSqliteMessageLog(path);
    await log.append(entry({ messageId: 'm2', seq: 2, author: 'agent', name: 'Ada' }));
    expect(await log.listSession('s1')).toEqual([
      entry(),
      entry({ messageId: 'm2', seq: 2, author: 'agent', name: 'Ada' }),
    ]);
    await log.close();
    log = undefined;
    const db = reader();
    expect(userVersion(db)).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('gives a version 3 file the index of sessions by site, keeping its rows', async () => {
    const { path, reader } = tempDatabase();
    const v3 = reader();
    v3.exec(`${VERSION_3_TABLES} ${VERSION_3_ROW} PRAGMA user_version = 3;`);
    v3.close();
    log = openSqliteMessageLog(path);
    expect(await log.listSession('s1')).toEqual([entry()]);
    expect(await log.deleteBefore('acme', 2000)).toBe(1);
    await log.close();
    log = undefined;
    const db = reader();
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all();
    expect(userVersion(db)).toBe(SCHEMA_VERSION);
    db.close();
    expect(indexes.map((row) => (row as { name: string }).name)).toContain('sessions_site');
  });

  it('gives a version 4 file the visitor identity columns, keeping its rows', async () => {
    const { path, reader } = tempDatabase();
    const v4 = reader();
    v4.exec(`${VERSION_3_TABLES}
      CREATE INDEX sessions_site ON sessions (site_key);
      ${VERSION_3_ROW} PRAGMA user_version = 4;`);
    v4.close();
    log = openSqliteMessageLog(path);
    const identified = entry({
      messageId: 'm2',
      seq: 2,
      identity: { userId: 'u-7', verified: false },
    });
    await log.append(identified);
    expect(await log.listSession('s1')).toEqual([entry(), identified]);
    await log.close();
    log = undefined;
    const db = reader();
    expect(userVersion(db)).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('refuses a file from a newer schema version and leaves it as it is', async () => {
    const { path, reader } = tempDatabase();
    const newer = reader();
    newer.exec('PRAGMA user_version = 9');
    newer.close();
    expect(() => openSqliteMessageLog(path)).toThrow(/version 9 is newer/);
    const db = reader();
    expect(userVersion(db)).toBe(9);
    db.close();
  });
});

describe('disabled message log', () => {
  it('keeps nothing', async () => {
    const disabled = createDisabledMessageLog();
    await disabled.append(entry());
    expect(await disabled.listSession('s1')).toEqual([]);
    expect(await disabled.purgeSession('s1')).toBe(0);
  });
});

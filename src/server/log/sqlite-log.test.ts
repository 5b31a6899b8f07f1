// @vitest-environment node
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../logger.js';
import { createDisabledMessageLog, type MessageLog } from './message-log.js';
import { describeMessageLog, logEntry } from './message-log-conformance.js';
import { openSqliteMessageLog } from './sqlite-log.js';
import { SCHEMA_VERSION, userVersion } from './sqlite-schema.js';

const entry = logEntry;

let log: MessageLog | undefined;
const dirs: string[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await log?.close();
  log = undefined;
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
  const committed = () => {
    const db = reader();
    try {
      return (
        db.prepare('SELECT message_id FROM messages ORDER BY rowid').all() as {
          message_id: string;
        }[]
      ).map((r) => r.message_id);
    } finally {
      db.close();
    }
  };
  return { path, reader, committed };
}

function capturingLogger() {
  const errors: string[] = [];
  const logger: Logger = { info: () => {}, warn: () => {}, error: (m) => void errors.push(m) };
  return { logger, errors };
}

describeMessageLog('sqlite', () => openSqliteMessageLog(':memory:'));

describe('sqlite message log', () => {
  it('creates the directory of a file database and keeps rows across reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leflux-log-'));
    try {
      const path = join(dir, 'nested', 'leflux.sqlite');
      log = openSqliteMessageLog(path);
      await log.append(entry());
      await log.close();
      log = openSqliteMessageLog(path);
      await log.ping();
      expect(await log.listSession('s1')).toEqual([entry()]);
    } finally {
      await log?.close();
      log = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
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

describe('sqlite message log batches', () => {
  it('queues appends and writes them in one transaction after the delay', async () => {
    vi.useFakeTimers();
    const { path, committed } = tempDatabase();
    log = openSqliteMessageLog(path, { flushDelayMs: 5 });
    await log.append(entry({ messageId: 'm1' }));
    await log.append(entry({ messageId: 'm2', seq: 2 }));
    expect(committed()).toEqual([]);
    await vi.advanceTimersByTimeAsync(5);
    expect(committed()).toEqual(['m1', 'm2']);
  });

  it('writes at once when maxBatchRows are queued', async () => {
    const { path, committed } = tempDatabase();
    log = openSqliteMessageLog(path, { flushDelayMs: 60_000, maxBatchRows: 3 });
    await log.append(entry({ messageId: 'm1' }));
    await log.append(entry({ messageId: 'm2', seq: 2 }));
    expect(committed()).toEqual([]);
    await log.append(entry({ messageId: 'm3', seq: 3 }));
    expect(committed()).toEqual(['m1', 'm2', 'm3']);
  });

  it('keeps INSERT OR IGNORE dedupe inside a batch and across batches', async () => {
    log = openSqliteMessageLog(':memory:', { flushDelayMs: 60_000 });
    await log.append(entry());
    await log.append(entry({ text: 'written twice in the same batch' }));
    await log.flush();
    await log.append(entry({ text: 'written again later' }));
    expect(await log.listSession('s1')).toEqual([entry()]);
  });

  it('lists and purges queued rows too; a purged row never comes back', async () => {
    const { path, committed } = tempDatabase();
    log = openSqliteMessageLog(path, { flushDelayMs: 60_000 });
    await log.append(entry({ messageId: 'm1' }));
    expect(await log.listSession('s1')).toHaveLength(1);
    await log.append(entry({ messageId: 'm2', seq: 2 }));
    await log.append(entry({ sessionId: 's2' }));
    expect(await log.purgeSession('s1')).toBe(2);
    expect(await log.listSession('s1')).toEqual([]);
    await log.close();
    expect(committed()).toEqual(['m1']);
    log = openSqliteMessageLog(path);
    expect((await log.listSession('s2')).map((e) => e.sessionId)).toEqual(['s2']);
  });

  it('writes queued rows on close', async () => {
    const { path } = tempDatabase();
    log = openSqliteMessageLog(path, { flushDelayMs: 60_000 });
    await log.append(entry());
    await log.close();
    log = openSqliteMessageLog(path);
    expect(await log.listSession('s1')).toEqual([entry()]);
  });

  it('keeps a refused batch queued, in order, and retries it; appends never reject meanwhile', async () => {
    const { path, reader, committed } = tempDatabase();
    const { logger, errors } = capturingLogger();
    log = openSqliteMessageLog(path, {
      flushDelayMs: 1,
      retryDelayMs: 20,
      busyTimeoutMs: 0,
      logger,
    });
    // Another connection holds the write lock.
    const other = reader();
    other.exec('BEGIN IMMEDIATE');
    await log.append(entry({ messageId: 'm1' }));
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
    expect(errors[0]).toMatch(/writing 1 row\(s\) failed; retrying/);
    await log.append(entry({ messageId: 'm2', seq: 2 }));
    await expect(log.listSession('s1')).rejects.toThrow();
    other.exec('COMMIT');
    other.close();
    await vi.waitFor(() => expect(committed()).toEqual(['m1', 'm2']), { timeout: 2000 });
  });

  it('rejects appends past maxQueuedRows while the database refuses writes', async () => {
    const { path, reader } = tempDatabase();
    const { logger } = capturingLogger();
    log = openSqliteMessageLog(path, {
      flushDelayMs: 60_000,
      maxBatchRows: 2,
      maxQueuedRows: 2,
      retryDelayMs: 60_000,
      busyTimeoutMs: 0,
      logger,
    });
    const other = reader();
    other.exec('BEGIN IMMEDIATE');
    try {
      await log.append(entry({ messageId: 'm1' }));
      await log.append(entry({ messageId: 'm2', seq: 2 }));
      await expect(log.append(entry({ messageId: 'm3', seq: 3 }))).rejects.toThrow(/wait/);
    } finally {
      other.exec('COMMIT');
      other.close();
    }
    expect((await log.listSession('s1')).map((e) => e.messageId)).toEqual(['m1', 'm2']);
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

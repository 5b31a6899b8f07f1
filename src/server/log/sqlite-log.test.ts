// @vitest-environment node
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDisabledMessageLog, type MessageLog, type MessageLogEntry } from './message-log.js';
import { openSqliteMessageLog } from './sqlite-log.js';

const entry = (over: Partial<MessageLogEntry> = {}): MessageLogEntry => ({
  sessionId: 's1',
  siteKey: 'acme',
  messageId: 'm1',
  author: 'visitor',
  text: 'hello',
  at: 1000,
  seq: 1,
  url: 'https://acme.test/',
  ...over,
});

let log: MessageLog | undefined;
afterEach(async () => {
  await log?.close();
  log = undefined;
});

describe('sqlite message log', () => {
  it('appends and lists a session ascending by seq', async () => {
    log = openSqliteMessageLog(':memory:');
    await log.append(entry({ messageId: 'm2', seq: 2, author: 'agent', url: undefined }));
    await log.append(entry());
    await log.append(entry({ sessionId: 'other' }));
    expect(await log.listSession('s1')).toEqual([
      entry(),
      entry({ messageId: 'm2', seq: 2, author: 'agent', url: undefined }),
    ]);
  });

  it('ignores a second append of the same (session, message id)', async () => {
    log = openSqliteMessageLog(':memory:');
    await log.append(entry());
    await log.append(entry({ text: 'resent', seq: 7 }));
    expect(await log.listSession('s1')).toEqual([entry()]);
  });

  it('purges one session only', async () => {
    log = openSqliteMessageLog(':memory:');
    await log.append(entry());
    await log.append(entry({ messageId: 'm2', seq: 2 }));
    await log.append(entry({ sessionId: 's2' }));
    expect(await log.purgeSession('s1')).toBe(2);
    expect(await log.listSession('s1')).toEqual([]);
    expect(await log.listSession('s2')).toHaveLength(1);
  });

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

  it('rejects (rather than crashing) once closed', async () => {
    log = openSqliteMessageLog(':memory:');
    await log.close();
    await expect(log.append(entry())).rejects.toThrow();
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

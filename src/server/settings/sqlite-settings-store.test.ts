// @vitest-environment node
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteMessageLog } from '../log/sqlite-log.js';
import { describeSiteSettingsStore } from './settings-store-conformance.js';
import { openSqliteSiteSettingsStore } from './sqlite-settings-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'leflux-settings-'));
  dirs.push(dir);
  return join(dir, 'leflux.sqlite');
};

describeSiteSettingsStore('sqlite', () => {
  const path = tempFile();
  return {
    open: (options) => openSqliteSiteSettingsStore(path, options),
    async writeRaw(siteKey, settings, updatedAt) {
      const db = new Database(path);
      try {
        db.prepare('INSERT INTO site_settings VALUES (?, ?, ?)').run(siteKey, settings, updatedAt);
      } finally {
        db.close();
      }
    },
  };
});

describe('sqlite site settings beside the message log', () => {
  it('share the log’s file without touching its tables or schema version', async () => {
    const path = tempFile();
    const log = openSqliteMessageLog(path);
    const settings = openSqliteSiteSettingsStore(path);
    await settings.save(
      'acme',
      { sessionHours: 1, idleMinutes: 5, messageLog: true, retentionDays: null },
      1,
    );
    await log.append({
      sessionId: 's1',
      siteKey: 'acme',
      messageId: 'm1',
      author: 'visitor',
      text: 'hi',
      at: 1,
      seq: 1,
    });
    await log.close();
    await settings.close();
    const reopened = openSqliteMessageLog(path);
    expect(await reopened.listSession('s1')).toHaveLength(1);
    await reopened.close();
    expect(await openSqliteSiteSettingsStore(path).list()).toHaveLength(1);
  });
});

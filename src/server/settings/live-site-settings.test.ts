// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { parseSiteSettings } from '../site-settings.js';
import { createLiveSiteSettings } from './live-site-settings.js';
import type { SiteSettingsStore } from './settings-store.js';
import { openSqliteSiteSettingsStore } from './sqlite-settings-store.js';

const boot = parseSiteSettings(
  '{"acme": {"userDays": 2, "idleMinutes": 5, "allowedOrigins": ["https://acme.example"]}}',
  'sites.json',
);
const privacy = { sessionHours: 1, idleMinutes: 2, messageLog: false, retentionDays: 7 };
const stores: SiteSettingsStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});
const memoryStore = () => {
  const store = openSqliteSiteSettingsStore(':memory:');
  stores.push(store);
  return store;
};

describe('live site settings', () => {
  it('are the boot-time ones until something is saved', () => {
    const live = createLiveSiteSettings({ boot, now: Date.now, logger: silentLogger });
    expect(live.lookup('acme')).toBe(boot.get('acme'));
    expect(live.lookup('other')).toEqual({});
    expect(live.sites()).toEqual(['acme']);
  });

  it('apply a save at once, over the file’s fields it replaces', async () => {
    const live = createLiveSiteSettings({
      boot,
      store: memoryStore(),
      now: () => 5,
      logger: silentLogger,
    });
    await live.save('acme', privacy);
    expect(live.lookup('acme')).toEqual({
      retention: { sessionTtlMs: 3_600_000, userTtlMs: 2 * 86_400_000 },
      idleTtlMs: 120_000,
      messageLog: false,
      retentionDays: 7,
      allowedOrigins: ['https://acme.example'],
    });
    await live.save('beta', { ...privacy, retentionDays: null });
    expect(live.lookup('beta').retentionDays).toBeUndefined();
    expect(live.sites()).toEqual(['acme', 'beta']);
  });

  it('follow what another node saved at the next refresh', async () => {
    const store = memoryStore();
    const here = createLiveSiteSettings({ boot, store, now: Date.now, logger: silentLogger });
    const there = createLiveSiteSettings({ boot, store, now: Date.now, logger: silentLogger });
    await there.save('acme', privacy);
    expect(here.lookup('acme').idleTtlMs).toBe(300_000);
    await here.refresh();
    expect(here.lookup('acme').idleTtlMs).toBe(120_000);
  });

  it('refuse to save without a store', async () => {
    const live = createLiveSiteSettings({ boot, now: Date.now, logger: silentLogger });
    await expect(live.save('acme', privacy)).rejects.toThrow(/no settings store/);
  });
});

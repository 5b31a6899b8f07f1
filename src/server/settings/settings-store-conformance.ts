import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PrivacySettings } from '../../protocol/dashboard.js';
import type { SiteSettingsStore, SiteSettingsStoreOptions } from './settings-store.js';

/** What the conformance suite needs from one implementation, fresh for each test. */
export interface SiteSettingsStoreFixture {
  /** Opens a store on this test's storage; opening again sees what an earlier one saved. */
  open(options?: SiteSettingsStoreOptions): SiteSettingsStore;
  /** Writes a row as is, bypassing the store (a hand edit, a newer server). */
  writeRaw(siteKey: string, settings: string, updatedAt: number): Promise<void>;
  dispose?(): Promise<void>;
}

const settings = (over: Partial<PrivacySettings> = {}): PrivacySettings => ({
  sessionHours: 12,
  idleMinutes: 30,
  messageLog: true,
  retentionDays: 30,
  ...over,
});

/**
 * The behaviour every `SiteSettingsStore` shares, run by each implementation's test file.
 *
 * @example describeSiteSettingsStore('sqlite', () => sqliteFixture());
 */
export function describeSiteSettingsStore(
  name: string,
  makeFixture: () => SiteSettingsStoreFixture | Promise<SiteSettingsStoreFixture>,
): void {
  describe(`${name} site settings store (SiteSettingsStore conformance)`, () => {
    let fixture: SiteSettingsStoreFixture;
    const opened: SiteSettingsStore[] = [];
    const open = (options?: SiteSettingsStoreOptions) => {
      const store = fixture.open(options);
      opened.push(store);
      return store;
    };

    beforeEach(async () => {
      fixture = await makeFixture();
    });
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      await fixture.dispose?.();
    });

    it('is empty at first; saves and lists sites in site key order, every field kept', async () => {
      const store = open();
      await store.ping();
      expect(await store.list()).toEqual([]);
      const odd = settings({
        sessionHours: 1 / 60,
        idleMinutes: 0.5,
        messageLog: false,
        retentionDays: null,
      });
      await store.save('beta', odd, 2000);
      await store.save('acme', settings(), 1000);
      expect(await store.list()).toEqual([
        { siteKey: 'acme', settings: settings(), updatedAt: 1000 },
        { siteKey: 'beta', settings: odd, updatedAt: 2000 },
      ]);
    });

    it('a second save of a site replaces the first', async () => {
      const store = open();
      await store.save('acme', settings(), 1000);
      await store.save('acme', settings({ retentionDays: null, messageLog: false }), 3000);
      expect(await store.list()).toEqual([
        {
          siteKey: 'acme',
          settings: settings({ retentionDays: null, messageLog: false }),
          updatedAt: 3000,
        },
      ]);
    });

    it('keeps what it saved across close and reopen, and another store sees it', async () => {
      const first = open();
      const other = open();
      await first.save('acme', settings(), 1000);
      expect(await other.list()).toHaveLength(1);
      await first.close();
      expect(await open().list()).toEqual([
        { siteKey: 'acme', settings: settings(), updatedAt: 1000 },
      ]);
    });

    it('leaves out and reports a row that does not validate, keeping the others', async () => {
      const reported: string[] = [];
      const store = open({
        onInvalid: (siteKey, reason) => reported.push(`${siteKey}: ${reason}`),
      });
      await store.save('acme', settings(), 1000);
      await fixture.writeRaw('broken', '{"sessionHours": 99', 1000);
      await fixture.writeRaw('wrong', JSON.stringify({ ...settings(), sessionHours: 99 }), 1000);
      expect((await store.list()).map((row) => row.siteKey)).toEqual(['acme']);
      expect(reported).toEqual([
        'broken: its settings are not JSON',
        expect.stringMatching(/^wrong: sessionHours must be/),
      ]);
    });

    it('rejects once closed; closing twice is fine', async () => {
      const store = open();
      await store.close();
      await store.close();
      await expect(store.list()).rejects.toThrow(/closed/);
      await expect(store.save('acme', settings(), 1)).rejects.toThrow(/closed/);
      await expect(store.ping()).rejects.toThrow(/closed/);
    });
  });
}

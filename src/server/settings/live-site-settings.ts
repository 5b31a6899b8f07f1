import type { PrivacySettings } from '../../protocol/dashboard.js';
import type { Logger } from '../logger.js';
import {
  applyPrivacy,
  type SiteSettings,
  type SiteSettingsLookup,
  type SiteSettingsMap,
  siteSettingsLookup,
} from '../site-settings.js';
import type { SiteSettingsStore } from './settings-store.js';

export interface LiveSiteSettingsOptions {
  /** `LEFLUX_SITES`: the boot-time settings, which saved ones replace field by field. */
  boot: SiteSettingsMap;
  /** Where the dashboard's saves are kept. Without it, the boot-time settings are all there is. */
  store?: SiteSettingsStore;
  now: () => number;
  logger: Logger;
}

/** Site settings as they are now: the boot-time file with the dashboard's saves over it. */
export interface LiveSiteSettings {
  /** A site's settings in effect. Synchronous and cheap: the idle check asks on every access. */
  readonly lookup: SiteSettingsLookup;
  /** Site keys with settings of their own (in `LEFLUX_SITES`, or saved), ascending. */
  sites(): string[];
  /**
   * Saves a site's privacy settings: in effect on this node at once (new sessions, the next
   * `session_init` and restore, idle checks, logging), on other nodes at their next `refresh`.
   * @throws {Error} without a store.
   */
  save(siteKey: string, privacy: PrivacySettings): Promise<void>;
  /** Reads back what every node saved. Rejects when the store does; what was known stays. */
  refresh(): Promise<void>;
  /** Refreshes every `intervalMs` in the background (never keeping the process alive); returns stop. */
  follow(intervalMs: number): () => void;
}

/**
 * @example
 * const settings = createLiveSiteSettings({ boot: config.sites, store, now: Date.now, logger });
 * await settings.refresh();
 * const idle = settings.lookup('acme').idleTtlMs;
 */
export function createLiveSiteSettings(options: LiveSiteSettingsOptions): LiveSiteSettings {
  const { boot, store, now, logger } = options;
  const fromBoot = siteSettingsLookup(boot);
  /** Sites with saved settings: the boot-time ones with the saved ones applied. */
  let saved = new Map<string, SiteSettings>();

  const merged = (siteKey: string, privacy: PrivacySettings) =>
    applyPrivacy(fromBoot(siteKey), privacy);

  async function refresh(): Promise<void> {
    if (!store) return;
    const rows = await store.list();
    saved = new Map(rows.map((row) => [row.siteKey, merged(row.siteKey, row.settings)]));
  }

  return {
    lookup: (siteKey) => saved.get(siteKey) ?? fromBoot(siteKey),

    sites() {
      return [...new Set([...boot.keys(), ...saved.keys()])].sort();
    },

    async save(siteKey, privacy) {
      if (!store) throw new Error('site settings cannot be saved: no settings store');
      await store.save(siteKey, privacy, now());
      // A new map, not a change to the one a refresh may be replacing right now.
      saved = new Map(saved).set(siteKey, merged(siteKey, privacy));
    },

    refresh,

    follow(intervalMs) {
      let running = false;
      const timer = setInterval(async () => {
        if (running) return;
        running = true;
        try {
          await refresh();
        } catch (error) {
          logger.warn('reading the saved site settings failed; keeping the last ones read', error);
        } finally {
          running = false;
        }
      }, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

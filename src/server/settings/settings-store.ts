import type { PrivacySettings } from '../../protocol/dashboard.js';

/** A site's privacy settings as the dashboard saved them. */
export interface SavedSiteSettings {
  siteKey: string;
  settings: PrivacySettings;
  updatedAt: number;
}

/**
 * Where the dashboard's per-site settings are kept for good: a table beside the message log, in
 * the same database (the SQLite file, or PostgreSQL shared by every node), since that is the one
 * durable place every deployment has. Every implementation runs `describeSiteSettingsStore`.
 */
export interface SiteSettingsStore {
  /**
   * Every site's saved settings, by site key. A row that does not validate (written by hand, or
   * by a newer server) is left out and reported; the site keeps its boot-time settings.
   */
  list(): Promise<SavedSiteSettings[]>;
  /** Saves a site's settings, replacing what it had; the last save wins. */
  save(siteKey: string, settings: PrivacySettings, at: number): Promise<void>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface SiteSettingsStoreOptions {
  /** Told of each row `list` leaves out, and why. Default: nothing. */
  onInvalid?: (siteKey: string, reason: string) => void;
}

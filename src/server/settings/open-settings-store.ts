import { openPostgresSiteSettingsStore } from './postgres-settings-store.js';
import type { SiteSettingsStore, SiteSettingsStoreOptions } from './settings-store.js';
import { openSqliteSiteSettingsStore } from './sqlite-settings-store.js';

/**
 * The settings store beside the message log the configuration names: PostgreSQL when
 * `databaseUrl` is set, else the SQLite file `dbPath`.
 *
 * @example const settings = openSiteSettingsStore(config, { onInvalid });
 */
export function openSiteSettingsStore(
  where: { databaseUrl?: string; dbPath: string },
  options: SiteSettingsStoreOptions = {},
): SiteSettingsStore {
  return where.databaseUrl !== undefined
    ? openPostgresSiteSettingsStore(where.databaseUrl, options)
    : openSqliteSiteSettingsStore(where.dbPath, options);
}

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'libsql';
import { loadOptional } from '../optional-dependency.js';
import type { SiteSettingsStore, SiteSettingsStoreOptions } from './settings-store.js';
import { readStoredRow } from './stored-row.js';

/**
 * The dashboard's site settings in the message log's SQLite file (`LEFLUX_DB`), in a table of
 * their own (`site_settings`), through a connection of their own. `:memory:` keeps them for the
 * process only, as it does the log.
 *
 * @example const settings = openSqliteSiteSettingsStore('./data/leflux.sqlite');
 */
export function openSqliteSiteSettingsStore(
  path: string,
  options: SiteSettingsStoreOptions & { busyTimeoutMs?: number } = {},
): SiteSettingsStore {
  const Sqlite = loadOptional<typeof Database>({
    name: 'libsql',
    feature: "the dashboard's site settings, kept in the SQLite file (LEFLUX_DB)",
    otherwise: 'or set DATABASE_URL to keep them in PostgreSQL',
  });
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Sqlite(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 2000))}`);
  // A table of its own, outside the log's schema version: it only ever gains columns.
  db.exec(`CREATE TABLE IF NOT EXISTS site_settings (
    site_key   TEXT PRIMARY KEY,
    settings   TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  )`);
  const all = db.prepare(
    'SELECT site_key, settings, updated_at FROM site_settings ORDER BY site_key',
  );
  const upsert = db.prepare(
    `INSERT INTO site_settings (site_key, settings, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (site_key) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
  );
  let closed = false;
  const ensureOpen = () => {
    if (closed) throw new Error(`site settings ${path} are closed`);
  };
  return {
    async list() {
      ensureOpen();
      const rows = all.all() as { site_key: string; settings: string; updated_at: number }[];
      return rows.flatMap((row) => readStoredRow(row, options) ?? []);
    },
    async save(siteKey, settings, at) {
      ensureOpen();
      upsert.run(siteKey, JSON.stringify(settings), at);
    },
    async ping() {
      ensureOpen();
      all.get();
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

import { loadOptional } from '../optional-dependency.js';
import { describeDatabaseUrl, parseDatabaseUrl } from '../service-url.js';
import type { SiteSettingsStore, SiteSettingsStoreOptions } from './settings-store.js';
import { readStoredRow } from './stored-row.js';

/** Another fixed number than the log's: two nodes creating the table take turns on it. */
const TABLE_LOCK = 0x4c65_466c_7579;

/**
 * The dashboard's site settings in the message log's PostgreSQL database (`DATABASE_URL`), table
 * `leflux_site_settings` in the connection's current schema, through a small pool of its own.
 * Shared by every node: each reads it back (`list`) to follow what another one saved.
 *
 * @example const settings = openPostgresSiteSettingsStore(process.env.DATABASE_URL);
 * @throws {Error} at once when `url` is not a postgres:// URL.
 */
export function openPostgresSiteSettingsStore(
  url: string,
  options: SiteSettingsStoreOptions & { connectTimeoutMs?: number } = {},
): SiteSettingsStore {
  const where = `site settings ${describeDatabaseUrl(url)}`;
  if (!parseDatabaseUrl(url)) {
    throw new Error(`${where}: expected a postgres:// or postgresql:// URL with a host`);
  }
  const { Pool } = loadOptional<typeof import('pg')>({
    name: 'pg',
    feature: "the dashboard's site settings in PostgreSQL (DATABASE_URL)",
    otherwise: 'or leave DATABASE_URL unset to keep them in the SQLite file',
  });
  const pool = new Pool({
    connectionString: url,
    max: 2,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    application_name: 'leflux',
    allowExitOnIdle: true,
  });
  // Without a listener, an idle connection dying would crash the process.
  pool.on('error', () => {});
  const failure = (what: string, cause: unknown) =>
    new Error(`${where}: ${what}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });

  let table: Promise<void> | undefined;
  /** Creates the table once (under an advisory lock: IF NOT EXISTS alone races between nodes). */
  const ensureTable = (): Promise<void> => {
    table ??= (async () => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [TABLE_LOCK]);
        await client.query(`CREATE TABLE IF NOT EXISTS leflux_site_settings (
          site_key   TEXT PRIMARY KEY,
          settings   TEXT NOT NULL,
          updated_at BIGINT NOT NULL
        )`);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    })().catch((error: unknown) => {
      table = undefined;
      throw failure('creating its table failed', error);
    });
    return table;
  };

  let closed = false;
  const ensureOpen = () => {
    if (closed) throw new Error(`${where} are closed`);
  };
  return {
    async list() {
      ensureOpen();
      await ensureTable();
      const { rows } = await pool
        .query<{ site_key: string; settings: string; updated_at: string }>(
          // Validated on the way out like any stored JSON: someone may have edited the row.
          'SELECT site_key, settings, updated_at FROM leflux_site_settings ORDER BY site_key COLLATE "C"',
        )
        .catch((error: unknown) => {
          throw failure('reading failed', error);
        });
      return rows.flatMap((row) => readStoredRow(row, options) ?? []);
    },
    async save(siteKey, settings, at) {
      ensureOpen();
      await ensureTable();
      await pool
        .query(
          `INSERT INTO leflux_site_settings (site_key, settings, updated_at) VALUES ($1, $2, $3)
           ON CONFLICT (site_key) DO UPDATE SET settings = EXCLUDED.settings, updated_at = EXCLUDED.updated_at`,
          [siteKey, JSON.stringify(settings), at],
        )
        .catch((error: unknown) => {
          throw failure('saving failed', error);
        });
    },
    async ping() {
      ensureOpen();
      await ensureTable();
      await pool.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

import type { PoolClient } from 'pg';

/**
 * The message log's tables in PostgreSQL (version 3: version 2 plus the visitor's `user_id` and
 * `user_verified`; 2 was 1 plus the author's `name`), in the connection's current schema (the
 * first of its `search_path`; set it with `?options=-c search_path=...` in `DATABASE_URL`).
 * Names carry a `leflux_` prefix, since the database may be shared with other applications.
 *
 * Messages are keyed by (session_id, seq): the store gives each accepted message its seq exactly
 * once, so a repeated key is a retried write (`ON CONFLICT DO NOTHING`). `at` and `seq` are
 * BIGINT (milliseconds since 1970 outgrow INTEGER).
 */
export const SCHEMA_VERSION = 3;

/**
 * `MIGRATIONS[n]` brings the tables from version n to n + 1. Append only: a server finds the
 * version it meets in `leflux_schema` and applies the steps after it, in one transaction.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE leflux_messages (
     session_id TEXT NOT NULL,
     seq        BIGINT NOT NULL,
     site_key   TEXT NOT NULL,
     message_id TEXT NOT NULL,
     author     TEXT NOT NULL,
     text       TEXT NOT NULL,
     at         BIGINT NOT NULL,
     url        TEXT,
     PRIMARY KEY (session_id, seq)
   );
   -- The dashboard reads a site's messages by time.
   CREATE INDEX leflux_messages_site_at ON leflux_messages (site_key, at);`,
  // An operator's name, shown above their messages.
  'ALTER TABLE leflux_messages ADD COLUMN name TEXT',
  // Who the site said the visitor was (identify), and whether the server verified it.
  `ALTER TABLE leflux_messages ADD COLUMN user_id TEXT;
   ALTER TABLE leflux_messages ADD COLUMN user_verified BOOLEAN`,
];

/** Any fixed number, the same on every node: the advisory lock two starting nodes take in turn. */
const MIGRATION_LOCK = 0x4c65_466c_7578;

/**
 * Creates the tables, or brings them up to date, in one transaction (all steps or none).
 * Several nodes starting at once take turns on an advisory lock, so each step runs once.
 * Refuses tables made by a newer version of LeFlux, changing nothing.
 */
export async function migrate(client: PoolClient): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS leflux_schema (version INTEGER NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM leflux_schema');
    const version = rows[0]?.version ?? 0;
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `message log schema version ${version} is newer than this server's (${SCHEMA_VERSION})`,
      );
    }
    for (let step = version; step < SCHEMA_VERSION; step++) {
      await client.query(MIGRATIONS[step] as string);
    }
    if (rows.length === 0) {
      await client.query('INSERT INTO leflux_schema (version) VALUES ($1)', [SCHEMA_VERSION]);
    } else if (version < SCHEMA_VERSION) {
      await client.query('UPDATE leflux_schema SET version = $1', [SCHEMA_VERSION]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

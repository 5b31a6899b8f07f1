// @vitest-environment node
import { Client } from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { postgresForThisFile } from '../testing/per-file-servers.js';
import { skipWithoutServers } from '../testing/server-binaries.js';
import { openPostgresSiteSettingsStore } from './postgres-settings-store.js';
import { describeSiteSettingsStore } from './settings-store-conformance.js';

const skip = skipWithoutServers(['postgres'], 'the PostgreSQL site settings tests');

describe.skipIf(skip)('postgres site settings', () => {
  const postgres = postgresForThisFile();
  let databaseUrl: string;
  let admin: Client;
  let schemas = 0;

  beforeAll(async () => {
    databaseUrl = await postgres().createDatabase();
    admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
  });

  describeSiteSettingsStore('postgres', async () => {
    // A schema per test: a fresh, empty table each time.
    const schema = `s${++schemas}`;
    await admin.query(`CREATE SCHEMA ${schema}`);
    const url = `${databaseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    return {
      open: (options) => openPostgresSiteSettingsStore(url, options),
      async writeRaw(siteKey, settings, updatedAt) {
        // The table is the store's to create.
        const store = openPostgresSiteSettingsStore(url);
        await store.ping();
        await store.close();
        await admin.query(`INSERT INTO ${schema}.leflux_site_settings VALUES ($1, $2, $3)`, [
          siteKey,
          settings,
          updatedAt,
        ]);
      },
    };
  });
});

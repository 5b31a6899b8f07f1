// @vitest-environment node
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logger.js';
import { capturingLogger } from '../testing/capturing-logger.js';
import { freeLoopbackPort } from '../testing/loopback-port.js';
import { postgresForThisFile } from '../testing/per-file-servers.js';
import { skipWithoutServers } from '../testing/server-binaries.js';
import type { MessageLog } from './message-log.js';
import { describeMessageLog, entry, type MessageLogFixture } from './message-log-conformance.js';
import { openPostgresMessageLog } from './postgres-log.js';
import { SCHEMA_VERSION } from './postgres-schema.js';

const skip = skipWithoutServers(['postgres'], 'the PostgreSQL message log tests');

describe.skipIf(skip)('postgres message log', () => {
  const postgres = postgresForThisFile();
  /** One database for the file; each test gets a schema of its own in it (~5 ms, where a database took ~150 ms). */
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

  /** A fresh schema, and the URL that puts a log's tables in it. */
  async function freshSchema() {
    const schema = `t${++schemas}`;
    await admin.query(`CREATE SCHEMA ${schema}`);
    const url = `${databaseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    return { schema, url };
  }

  async function postgresFixture(): Promise<MessageLogFixture> {
    const { schema, url } = await freshSchema();
    return {
      open: (options) => openPostgresMessageLog(url, options),
      async committed() {
        try {
          const { rows } = await admin.query<{ message_id: string }>(
            `SELECT message_id FROM ${schema}.leflux_messages ORDER BY session_id, seq`,
          );
          return rows.map((r) => r.message_id);
        } catch (error) {
          // Before the log has made its tables there is nothing committed.
          if ((error as { code?: string }).code === '42P01') return [];
          throw error;
        }
      },
      async refuseWrites() {
        await admin.query(`
          CREATE FUNCTION ${schema}.refuse() RETURNS trigger LANGUAGE plpgsql
            AS $$ BEGIN RAISE EXCEPTION 'writes refused by the test'; END $$;
          CREATE TRIGGER refuse BEFORE INSERT ON ${schema}.leflux_messages
            FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.refuse();`);
        return async () => {
          await admin.query(`DROP TRIGGER refuse ON ${schema}.leflux_messages`);
        };
      },
    };
  }

  describeMessageLog('postgres', postgresFixture);

  describe('postgres specifics', () => {
    const opened: MessageLog[] = [];
    afterEach(async () => {
      for (const log of opened.splice(0)) await log.close();
    });
    const open = (...args: Parameters<typeof openPostgresMessageLog>) => {
      const log = openPostgresMessageLog(...args);
      opened.push(log);
      return log;
    };

    it('creates its tables at start and records the schema version', async () => {
      const { schema, url } = await freshSchema();
      await open(url).ping();
      const { rows } = await admin.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
        [schema],
      );
      expect(rows.map((r) => r.table_name)).toEqual(['leflux_messages', 'leflux_schema']);
      const version = await admin.query(`SELECT version FROM ${schema}.leflux_schema`);
      expect(version.rows).toEqual([{ version: SCHEMA_VERSION }]);
    });

    it('several nodes starting at once on an empty database migrate it once', async () => {
      const { schema, url } = await freshSchema();
      const logs = Array.from({ length: 4 }, () => open(url));
      await Promise.all(logs.map((log) => log.ping()));
      const version = await admin.query(`SELECT version FROM ${schema}.leflux_schema`);
      expect(version.rows).toEqual([{ version: SCHEMA_VERSION }]);
      await logs[0]!.append(entry());
      await logs[0]!.flush();
      expect(await logs[3]!.listSession('s1')).toEqual([entry()]);
    });

    it('brings version 1 tables up to date, keeping their rows', async () => {
      const { schema, url } = await freshSchema();
      await admin.query(`
        CREATE TABLE ${schema}.leflux_schema (version INTEGER NOT NULL);
        INSERT INTO ${schema}.leflux_schema VALUES (1);
        CREATE TABLE ${schema}.leflux_messages (
          session_id TEXT NOT NULL, seq BIGINT NOT NULL, site_key TEXT NOT NULL,
          message_id TEXT NOT NULL, author TEXT NOT NULL, text TEXT NOT NULL, at BIGINT NOT NULL,
          url TEXT, PRIMARY KEY (session_id, seq));
        INSERT INTO ${schema}.leflux_messages VALUES
          ('s1', 1, 'acme', 'm1', 'visitor', 'hello', 1000, 'https://acme.test/');`);
      const log = open(url);
      const identified = { identity: { userId: 'u-42', verified: true } };
      await log.append(entry({ messageId: 'm2', seq: 2, author: 'agent', name: 'Ada' }));
      await log.append(entry({ messageId: 'm3', seq: 3, ...identified }));
      expect(await log.listSession('s1')).toEqual([
        entry(),
        entry({ messageId: 'm2', seq: 2, author: 'agent', name: 'Ada' }),
        entry({ messageId: 'm3', seq: 3, ...identified }),
      ]);
      const version = await admin.query(`SELECT version FROM ${schema}.leflux_schema`);
      expect(version.rows).toEqual([{ version: SCHEMA_VERSION }]);
    });

    it('refuses tables from a newer version and leaves them as they are', async () => {
      const { schema, url } = await freshSchema();
      await admin.query(`CREATE TABLE ${schema}.leflux_schema (version INTEGER NOT NULL);
                         INSERT INTO ${schema}.leflux_schema VALUES (9)`);
      const log = open(url);
      await expect(log.ping()).rejects.toThrow(
        new RegExp(`schema version 9 is newer than this server's \\(${SCHEMA_VERSION}\\)`),
      );
      await expect(log.listSession('s1')).rejects.toThrow(/creating or migrating its tables/);
      const version = await admin.query(`SELECT version FROM ${schema}.leflux_schema`);
      expect(version.rows).toEqual([{ version: 9 }]);
    });

    it('an unreachable database: ping rejects naming the database, never the password', async () => {
      const port = await freeLoopbackPort();
      const log = open(`postgres://leflux:hunter2-secret@127.0.0.1:${port}/chat?sslmode=disable`, {
        connectTimeoutMs: 2000,
      });
      const error = await log.ping().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(
        new RegExp(`^message log postgres://leflux@127\\.0\\.0\\.1:${port}/chat: .*ECONNREFUSED`),
      );
      expect(error?.message).not.toContain('hunter2');
      expect(() => openPostgresMessageLog('mysql://x@y/z')).toThrow(/expected a postgres:\/\//);
    });

    it('stores NUL characters (which PostgreSQL text cannot hold) as U+FFFD', async () => {
      const { url } = await freshSchema();
      const log = open(url);
      await log.append(entry({ text: 'a\0b' }));
      await log.append(entry({ messageId: 'm2', seq: 2, text: 'fine' }));
      expect((await log.listSession('s1')).map((e) => e.text)).toEqual(['a\uFFFDb', 'fine']);
    });

    it('drops (and reports) a row the database cannot store; the rest of its batch is written', async () => {
      const { url } = await freshSchema();
      const { logger, errors } = capturingLogger();
      const log = open(url, { flushDelayMs: 60_000, logger });
      await log.append(entry());
      // Past BIGINT: PostgreSQL refuses it as data (SQLSTATE 22003), however often it is retried.
      await log.append(entry({ messageId: 'm2', seq: 2, at: 1e20 }));
      await log.append(entry({ messageId: 'm3', seq: 3 }));
      await log.flush();
      expect((await log.listSession('s1')).map((e) => e.messageId)).toEqual(['m1', 'm3']);
      expect(errors).toEqual([expect.stringMatching(/dropped the row of session s1, seq 2/)]);
    });

    /** Ends every connection of LeFlux's pools, as a database restart or failover would. */
    const killConnections = async () => {
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'leflux' AND pid <> pg_backend_pid()`,
      );
      expect(killed.rowCount).toBeGreaterThan(0);
    };

    it('reports a connection the database closed while idle, and replaces it', async () => {
      const { url } = await freshSchema();
      const { logger, warnings } = capturingLogger();
      const log = open(url, { logger });
      await log.append(entry());
      await log.flush();
      await killConnections();
      await vi.waitFor(() => expect(warnings.join('\n')).toMatch(/an idle connection failed/));
      await log.append(entry({ messageId: 'm2', seq: 2 }));
      expect((await log.listSession('s1')).map((e) => e.messageId)).toEqual(['m1', 'm2']);
    });

    it('an operation that meets a connection the pool has not yet seen die retries on a new one', async () => {
      const { url } = await freshSchema();
      const log = open(url, { logger: silentLogger });
      // Racing the pool: used at once, a killed connection is often still in it (3 of 3 runs
      // failed before the retry); five rounds make a miss unlikely.
      for (let seq = 1; seq <= 5; seq++) {
        await log.append(entry({ messageId: `m${seq}`, seq }));
        await log.flush();
        await killConnections();
        expect(await log.listSession('s1')).toHaveLength(seq);
      }
    });
  });
});

// @vitest-environment node
import { Client } from 'pg';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents } from '../protocol/index.js';
import { silentLogger } from './logger.js';
import { type LeFluxServer, startServer } from './server.js';
import { freeLoopbackPort } from './testing/loopback-port.js';
import { postgresForThisFile } from './testing/per-file-servers.js';
import { skipWithoutServers } from './testing/server-binaries.js';

const skip = skipWithoutServers(['postgres'], 'the server on a PostgreSQL message log');

describe.skipIf(skip)('a server with DATABASE_URL', () => {
  const postgres = postgresForThisFile();
  let databaseUrl: string;
  let admin: Client;
  const servers: LeFluxServer[] = [];

  beforeAll(async () => {
    databaseUrl = await postgres().createDatabase('leflux_app');
    admin = new Client({ connectionString: postgres().url });
    await admin.connect();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  afterAll(async () => {
    await admin?.end();
  });

  const start = async (overrides: Parameters<typeof startServer>[0] = {}) => {
    const server = await startServer({
      port: 0,
      demo: true,
      crawl: false,
      databaseUrl,
      logger: silentLogger,
      ...overrides,
    });
    servers.push(server);
    return server;
  };

  it('logs the conversation in PostgreSQL', async () => {
    const server = await start();
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(server.url, {
      auth: { siteKey: 'acme' },
      transports: ['websocket'],
      forceNew: true,
    });
    try {
      const init = await socket
        .timeout(5000)
        .emitWithAck('session_init', { siteKey: 'acme', url: 'https://acme.test/', title: '' });
      if (!init.ok) throw new Error(`session_init failed: ${init.error.code}`);
      const { sessionId } = init;
      const ack = await socket.timeout(5000).emitWithAck('visitor_message', {
        id: 'msg-pg-1',
        text: 'hello from a test',
        url: 'https://acme.test/',
        sentAt: Date.now(),
      });
      expect(ack).toMatchObject({ ok: true });
      const db = new Client({ connectionString: databaseUrl });
      await db.connect();
      try {
        await vi.waitFor(
          async () => {
            const { rows } = await db.query(
              'SELECT message_id, author, text FROM leflux_messages WHERE session_id = $1 ORDER BY seq',
              [sessionId],
            );
            expect(rows[0]).toEqual({
              message_id: 'msg-pg-1',
              author: 'visitor',
              text: 'hello from a test',
            });
            // The demo agent's answer is logged too.
            expect(rows.map((r) => r.author)).toContain('agent');
          },
          { timeout: 5000, interval: 20 },
        );
      } finally {
        await db.end();
      }
    } finally {
      socket.disconnect();
    }
  });

  it('answers /healthz with 503 while the database refuses connections, 200 again after', async () => {
    const server = await start();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await admin.query('ALTER DATABASE leflux_app ALLOW_CONNECTIONS false');
    try {
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'leflux_app'",
      );
      expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
    } finally {
      await admin.query('ALTER DATABASE leflux_app ALLOW_CONNECTIONS true');
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('does not start on a database it cannot reach, naming it (never the password)', async () => {
    const port = await freeLoopbackPort();
    const error = await start({
      databaseUrl: `postgres://leflux:hunter2@127.0.0.1:${port}/leflux`,
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(
      new RegExp(`^message log postgres://leflux@127\\.0\\.0\\.1:${port}/leflux: .*ECONNREFUSED`),
    );
    expect(error?.message).not.toContain('hunter2');
  });
});

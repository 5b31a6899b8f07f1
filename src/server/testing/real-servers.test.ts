// @vitest-environment node
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { Client } from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { START_TIMEOUT_MS } from './per-file-servers.js';
import { startPostgres } from './postgres-server.js';
import { startRedis } from './redis-server.js';
import {
  MissingServerError,
  missingServers,
  runningInCi,
  skipWithoutServers,
} from './server-binaries.js';

/** Sends one RESP command over a raw socket (no Redis client needed) and returns the reply. */
function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((done, fail) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.endsWith('\r\n')) {
        socket.end();
        done(reply.trim());
      }
    });
    socket.on('error', fail);
    socket.write(`${command}\r\n`);
  });
}

/** Resolves with the connection error once nothing listens on the port any more. */
function refused(port: number): Promise<string> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      done('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? 'error'));
  });
}

/** The temp dir a server's files live in, from its own answer. */
async function postgresDataDir(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ setting: string }>(
      "SELECT setting FROM pg_settings WHERE name = 'data_directory'",
    );
    return rows[0]!.setting;
  } finally {
    await client.end();
  }
}

describe.skipIf(skipWithoutServers(['redis'], 'real redis-server tests'))('startRedis', () => {
  it(
    'answers on loopback, and is gone (files too) once stopped',
    async () => {
      const redis = await startRedis();
      try {
        expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
        expect(await redisCommand(redis.port, 'PING')).toBe('+PONG');
        // --save '': nothing is ever written to disk.
        expect(await redisCommand(redis.port, 'CONFIG GET save')).toBe('*2\r\n$4\r\nsave\r\n$0');
        const dir = (await redisCommand(redis.port, 'CONFIG GET dir')).split('\r\n').at(-1)!;
        expect(dir).toMatch(/leflux-redis-/);
        expect(existsSync(dir)).toBe(true);
        await redis.stop();
        expect(await refused(redis.port)).toBe('ECONNREFUSED');
        expect(existsSync(dir)).toBe(false);
      } finally {
        await redis.stop();
      }
    },
    START_TIMEOUT_MS,
  );

  it(
    'runs two at once on different ports',
    async () => {
      const [a, b] = await Promise.all([startRedis(), startRedis()]);
      try {
        expect(a.port).not.toBe(b.port);
        await redisCommand(a.port, 'SET k a');
        expect(await redisCommand(b.port, 'EXISTS k')).toBe(':0');
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    },
    START_TIMEOUT_MS,
  );
});

describe.skipIf(skipWithoutServers(['postgres'], 'real PostgreSQL tests'))('startPostgres', () => {
  it(
    'answers on loopback, creates databases, and is gone (files too) once stopped',
    async () => {
      const postgres = await startPostgres();
      try {
        const url = await postgres.createDatabase();
        const client = new Client({ connectionString: url });
        await client.connect();
        const { rows } = await client.query<{ db: string; version: string }>(
          'SELECT current_database() AS db, version() AS version',
        );
        await client.end();
        expect(rows[0]).toMatchObject({
          db: 'leflux_test_1',
          version: expect.stringMatching(/^PostgreSQL/),
        });
        const dataDir = await postgresDataDir(postgres.url);
        expect(dataDir).toMatch(/leflux-pg-/);
        await postgres.stop();
        expect(await refused(postgres.port)).toBe('ECONNREFUSED');
        expect(existsSync(dataDir)).toBe(false);
      } finally {
        await postgres.stop();
      }
    },
    START_TIMEOUT_MS,
  );
});

describe('missing server programs', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('fail under CI with the install hint, and skip with a printed reason elsewhere', async () => {
    vi.stubEnv('PATH', '/nonexistent');
    expect(missingServers(['redis'])).toEqual([
      expect.stringMatching(/apt-get install redis-server/),
    ]);
    await expect(startRedis()).rejects.toBeInstanceOf(MissingServerError);
    await expect(startRedis()).rejects.toThrow(/redis-server is not installed/);

    vi.stubEnv('CI', 'true');
    expect(runningInCi()).toBe(true);
    expect(skipWithoutServers(['redis'], 'x')).toBe(false);

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.stubEnv('CI', '');
    expect(runningInCi()).toBe(false);
    expect(skipWithoutServers(['redis'], 'the redis tests')).toBe(true);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/^skipping the redis tests: redis-server is not installed/),
    );
    vi.stubEnv('CI', 'false');
    expect(runningInCi()).toBe(false);
  });
});

import { afterAll, beforeAll } from 'vitest';
import { type RunningPostgres, startPostgres } from './postgres-server.js';
import { type RunningRedis, startRedis } from './redis-server.js';

/**
 * Test timeout for starting a server: it takes ~0.05 s (Redis) to ~1.5 s (PostgreSQL) here, and
 * several times that on a loaded CI box, past Vitest's 5 s default.
 */
export const START_TIMEOUT_MS = 60_000;

function serverForThisFile<T extends { stop(): Promise<void> }>(start: () => Promise<T>): () => T {
  let server: T | undefined;
  beforeAll(async () => {
    server = await start();
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
  }, START_TIMEOUT_MS);
  return () => {
    if (!server) throw new Error('the server is not started: read it inside a test or a hook');
    return server;
  };
}

/**
 * Starts one PostgreSQL for the enclosing `describe` (or the file) before its tests and stops
 * it after them; returns a getter for tests and hooks. Pair it with `skipWithoutServers`.
 *
 * @example
 * describe.skipIf(skipWithoutServers(['postgres'], 'postgres log'))('postgres log', () => {
 *   const postgres = postgresForThisFile();
 *   it('...', async () => { const url = await postgres().createDatabase(); });
 * });
 */
export function postgresForThisFile(): () => RunningPostgres {
  return serverForThisFile(startPostgres);
}

/** Like `postgresForThisFile`, for a `redis-server`. */
export function redisForThisFile(): () => RunningRedis {
  return serverForThisFile(startRedis);
}

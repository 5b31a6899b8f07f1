import { nanoid } from 'nanoid';
import { silentLogger } from '../logger.js';
import { type LeFluxServer, type LeFluxServerOptions, startServer } from '../server.js';

export type TestNode = LeFluxServer & { url: string; port: number };

/**
 * Two nodes of one deployment in this process, on the Redis at `redisUrl`: the Redis store and
 * adapter under a key prefix of their own (so tests do not meet), an in-memory SQLite log each,
 * no logs printed; `options` on top. The caller closes them.
 *
 * @example const [one, two] = await startTwoNodes(redis().url, { apiKey });
 */
export async function startTwoNodes(
  redisUrl: string,
  options: LeFluxServerOptions = {},
): Promise<[TestNode, TestNode]> {
  const redisPrefix = `n${nanoid(6)}:`;
  const start = () =>
    startServer({
      storeKind: 'redis',
      redisUrl,
      redisPrefix,
      dbPath: ':memory:',
      logger: silentLogger,
      ...options,
    });
  return (await Promise.all([start(), start()])) as [TestNode, TestNode];
}

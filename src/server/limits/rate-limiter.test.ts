// @vitest-environment node
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../testing/loopback-port.js';
import { redisForThisFile } from '../testing/per-file-servers.js';
import { skipWithoutServers } from '../testing/server-binaries.js';
import { createMemoryRateLimiter, createRedisRateLimiter } from './rate-limiter.js';
import { describeRateLimiter, TEST_LIMITS } from './rate-limiter-conformance.js';

describeRateLimiter('memory rate limiter', async () => createMemoryRateLimiter(TEST_LIMITS));

describe.skipIf(skipWithoutServers(['redis'], 'Redis rate limiter'))('Redis rate limiter', () => {
  const redis = redisForThisFile();
  const clients: Redis[] = [];
  afterAll(() => {
    for (const client of clients) client.disconnect();
  });
  describeRateLimiter('Redis rate limiter', async () => {
    const client = new Redis(redis().url);
    clients.push(client);
    // Each test starts from empty counters.
    await client.flushall();
    return createRedisRateLimiter(TEST_LIMITS, client);
  });

  it('counts under the deployment key prefix: two deployments on one Redis count apart, two nodes of one together', async () => {
    const client = new Redis(redis().url);
    clients.push(client);
    await client.flushall();
    const nodeA = createRedisRateLimiter(TEST_LIMITS, client, 'shop:');
    const nodeB = createRedisRateLimiter(TEST_LIMITS, client, 'shop:');
    const other = createRedisRateLimiter(TEST_LIMITS, client, 'blog:');
    for (let i = 0; i < 5; i++) expect((await nodeA.take('messages', 's1')).ok).toBe(true);
    expect((await nodeB.take('messages', 's1')).ok).toBe(false);
    expect((await other.take('messages', 's1')).ok).toBe(true);
    expect(await client.keys('shop:limit:*')).not.toEqual([]);
  });

  it('counts in memory while Redis does not answer, instead of refusing or hanging', async () => {
    const client = new Redis({ port: await freeLoopbackPort(), lazyConnect: true });
    clients.push(client);
    const limiter = createRedisRateLimiter(TEST_LIMITS, client);
    for (let i = 0; i < 5; i++) expect(await limiter.take('messages', 's1')).toEqual({ ok: true });
    expect((await limiter.take('messages', 's1')).ok).toBe(false);
  });
});

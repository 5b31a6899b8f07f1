import {
  type Backing,
  backingMissing,
  type Cluster,
  startBacking,
  startCluster,
} from './cluster.js';
import { test as base } from './fixtures.js';

/**
 * The e2e `test` with two LeFlux nodes (child processes of the CLI) on one Redis and one
 * PostgreSQL behind the round-robin proxy: `backing` once per worker, a fresh `cluster` per test.
 * Skipped, saying why, where Redis or PostgreSQL is missing (failed instead under CI).
 */
export const clusterTest = base.extend<{ cluster: Cluster }, { backing: Backing }>({
  backing: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
    async ({}, use) => {
      const backing = await startBacking();
      await use(backing);
      await Promise.all([backing.redis.stop(), backing.postgres.stop()]);
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  cluster: async ({ backing }, use) => {
    const cluster = await startCluster(backing);
    await use(cluster);
    await cluster.close();
  },
});

const missing = backingMissing();
clusterTest.skip(missing !== undefined, `needs Redis and PostgreSQL: ${missing}`);
clusterTest.describe.configure({ timeout: 90_000 });

import { nanoid } from 'nanoid';
import { Client } from 'pg';
import { sample } from '../src/server/metrics/prometheus-sample.js';
import { startCliProcess } from '../src/server/testing/cli-process.js';
import { freeLoopbackPort } from '../src/server/testing/loopback-port.js';
import { type RunningPostgres, startPostgres } from '../src/server/testing/postgres-server.js';
import { type RunningRedis, startRedis } from '../src/server/testing/redis-server.js';
import {
  type RoundRobinProxy,
  startRoundRobinProxy,
} from '../src/server/testing/round-robin-proxy.js';
import { missingServers, runningInCi } from '../src/server/testing/server-binaries.js';

export const ADMIN_KEY = 'e2e-admin-key-0123456789';
export const API_KEY = 'e2e-api-key-0123456789abcdef';

/** One LeFlux node: the real entry (`src/server/cli.ts serve --demo`, as `npm start` runs it built) in a child process of its own. */
export interface NodeProcess {
  url: string;
  port: number;
  /** Exits with this code (null when killed by a signal). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What the node wrote (JSON log lines), for a failing test's message. */
  readonly output: string[];
  kill(signal: NodeJS.Signals): void;
  /** Widget sockets connected to this node (its `leflux_sockets` metric). */
  sockets(): Promise<number>;
  /** One series of its metrics, e.g. `leflux_restores_total{result="found"}`. */
  metric(series: string): Promise<number | undefined>;
}

/** What the nodes of a test share: one Redis (its own key prefix) and one PostgreSQL database. */
export interface Backing {
  redis: RunningRedis;
  postgres: RunningPostgres;
}

/** Why the tests needing Redis and PostgreSQL cannot run here; undefined when they can. */
export function backingMissing(): string | undefined {
  const missing = missingServers(['redis', 'postgres']);
  // Under CI a missing server fails the tests (startRedis/startPostgres throw) instead.
  return missing.length > 0 && !runningInCi() ? missing.join('; ') : undefined;
}

export async function startBacking(): Promise<Backing> {
  const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  return { redis, postgres };
}

/**
 * Starts a node on a free loopback port with the demo (site and agent), the Redis store and the
 * PostgreSQL log, and resolves once it is ready.
 */
export async function startNode(env: Record<string, string>): Promise<NodeProcess> {
  const [port, metricsPort] = await Promise.all([freeLoopbackPort(), freeLoopbackPort()]);
  const node = await startCliProcess({
    port,
    env: {
      LEFLUX_METRICS_PORT: String(metricsPort),
      LEFLUX_ADMIN_KEY: ADMIN_KEY,
      LEFLUX_API_KEY: API_KEY,
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const metric = async (series: string) => sample(await (await fetch(metricsUrl)).text(), series);
  return {
    url: node.url,
    port,
    exited: node.exited,
    output: node.output,
    kill: (signal) => void node.stop(signal),
    metric,
    sockets: async () => (await metric('leflux_sockets')) ?? 0,
  };
}

/** Two nodes of one deployment behind a round-robin proxy, on the worker's Redis and PostgreSQL. */
export interface Cluster {
  nodes: [NodeProcess, NodeProcess];
  proxy: RoundRobinProxy;
  /** Pages and sockets go through the proxy. */
  url: string;
  /** The message log's rows of a session, oldest first. */
  logRows(sessionId: string): Promise<Array<{ message_id: string; author: string; text: string }>>;
  /** The node a tab's socket is connected to (polls until exactly one node has one). */
  nodeWithSocket(): Promise<NodeProcess>;
  close(): Promise<void>;
}

export async function startCluster(
  backing: Backing,
  /** More environment for both nodes (the fault suite turns the limits off). */
  extraEnv: Record<string, string> = {},
): Promise<Cluster> {
  const databaseUrl = await backing.postgres.createDatabase(
    `leflux_e2e_${nanoid(8)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, 'x')}`,
  );
  const env = {
    LEFLUX_STORE: 'redis',
    REDIS_URL: backing.redis.url,
    LEFLUX_REDIS_PREFIX: `e2e${nanoid(6)}:`,
    DATABASE_URL: databaseUrl,
    ...extraEnv,
  };
  const nodes = (await Promise.all([startNode(env), startNode(env)])) as [NodeProcess, NodeProcess];
  const proxy = await startRoundRobinProxy({ ports: nodes.map((n) => n.port) });
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  return {
    nodes,
    proxy,
    url: proxy.url,
    async logRows(sessionId) {
      const { rows } = await db.query(
        'SELECT message_id, author, text FROM leflux_messages WHERE session_id = $1 ORDER BY seq',
        [sessionId],
      );
      return rows;
    },
    async nodeWithSocket() {
      for (let i = 0; i < 100; i++) {
        const counts = await Promise.all(nodes.map((n) => n.sockets().catch(() => 0)));
        const index = counts.findIndex((c) => c > 0);
        if (index >= 0 && counts.filter((c) => c > 0).length === 1)
          return nodes[index] as NodeProcess;
        await new Promise((done) => setTimeout(done, 50));
      }
      throw new Error('no node holds exactly one tab socket');
    },
    async close() {
      await proxy.close();
      for (const node of nodes) node.kill('SIGKILL');
      await Promise.all(nodes.map((n) => n.exited));
      await db.end();
    },
  };
}

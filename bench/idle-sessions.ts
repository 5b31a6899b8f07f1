/**
 * Figure 2: server RSS per idle session. N sockets connect; against LeFlux each sends
 * `session_init` (a session in the store, bound to its socket, in its room), against a bare
 * socket.io server each only connects. RSS is read after a full GC, before and after.
 */
import type { Socket } from 'socket.io-client';
import { spawnBenchServer } from './server-process.js';
import { closeSockets, connectSockets, initSession } from './socket-clients.js';
import { sleep } from './stats.js';

export interface IdleResult {
  sessions: number;
  sockets: number;
  rssBefore: number;
  rssAfter: number;
  /** (rssAfter - rssBefore) / sessions, in bytes. */
  rssPerSession: number;
  heapPerSession: number;
  connectSeconds: number;
}

/** Held this long after the last connect so heartbeats and lazy allocations have happened. */
const SETTLE_MS = 1500;

export async function measureIdle(
  kind: 'leflux' | 'echo',
  count: number,
  redis?: { redisUrl: string; redisPrefix: string },
): Promise<IdleResult> {
  const server = await spawnBenchServer({ kind, dbPath: ':memory:', ...redis });
  let sockets: Socket[] = [];
  try {
    // Warm the server up (JIT, first-connection allocations) before the baseline reading.
    const warm = await connectSockets(server.url, 50, 100, 'warmup');
    if (kind === 'leflux') await Promise.all(warm.map((s) => initSession(s, 'warmup')));
    closeSockets(warm);
    await sleep(500);
    const before = await server.usage(true);
    const t0 = performance.now();
    sockets = await connectSockets(server.url, count, 200);
    if (kind === 'leflux') {
      for (let i = 0; i < sockets.length; i += 500) {
        await Promise.all(sockets.slice(i, i + 500).map((s) => initSession(s, 'bench')));
      }
    }
    const connectSeconds = (performance.now() - t0) / 1000;
    await sleep(SETTLE_MS);
    const after = await server.usage(true);
    return {
      sessions: count,
      sockets: sockets.length,
      rssBefore: before.rss,
      rssAfter: after.rss,
      rssPerSession: (after.rss - before.rss) / count,
      heapPerSession: (after.heapUsed - before.heapUsed) / count,
      connectSeconds,
    };
  } finally {
    closeSockets(sockets);
    await server.close();
  }
}

/**
 * Figure 3: `POST /api/session/:id` latency at a fixed request rate (open loop: each request is
 * timed from when it was due, so a slow server cannot hide behind a slowed-down generator).
 * Against LeFlux with seeded 200-message sessions, and against a bare node:http server that
 * parses the request and serialises a same-size history.
 */
import { Agent, request } from 'node:http';
import { type BenchServer, type SeededSession, spawnBenchServer } from './server-process.js';
import { percentile, sleep } from './stats.js';

export interface LatencyResult {
  /** Server CPU time per request: what the server spends, however busy the machine is. */
  cpuMsPerRequest: number;
  requests: number;
  /** Requests answered with a status other than 200, or failed. */
  errors: number;
  p50: number;
  p99: number;
  max: number;
  /** Bytes of one response body. */
  bodyBytes: number;
  achievedRate: number;
}

export interface RestoreLoadOptions {
  rate: number;
  warmupMs: number;
  durationMs: number;
  historyLength: number;
  sessions: number;
  /** The measured time is split into this many rounds, alternating with the baseline. */
  rounds: number;
}

export const RESTORE_DEFAULTS: RestoreLoadOptions = {
  rate: 1000,
  warmupMs: 1000,
  durationMs: 6000,
  historyLength: 200,
  sessions: 200,
  rounds: 3,
};

interface Target {
  path: string;
  token: string;
}

function post(
  agent: Agent,
  url: URL,
  target: Target,
): Promise<{ status: number; bytes: number; end: number }> {
  const body = JSON.stringify({ token: target.token, url: 'http://127.0.0.1/bench' });
  return new Promise((done, fail) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: target.path,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: 10_000,
      },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        res.on('end', () => done({ status: res.statusCode ?? 0, bytes, end: performance.now() }));
        res.on('error', fail);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end(body);
  });
}

interface LoopSamples {
  latencies: number[];
  errors: number;
  bodyBytes: number;
  sent: number;
  seconds: number;
}

/** Sends `rate` requests/s for `warmupMs + durationMs`; only the part after the warm-up counts. */
async function openLoop(
  baseUrl: string,
  targets: readonly Target[],
  rate: number,
  warmupMs: number,
  durationMs: number,
): Promise<LoopSamples> {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const latencies: number[] = [];
  let errors = 0;
  let bodyBytes = 0;
  const inflight = new Set<Promise<void>>();
  const total = Math.round((rate * (warmupMs + durationMs)) / 1000);
  const warmupCount = Math.round((rate * warmupMs) / 1000);
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = start + (sent * 1000) / rate;
    const now = performance.now();
    if (due > now) {
      await sleep(Math.max(0, due - now - 0.5));
      continue;
    }
    const index = sent++;
    const target = targets[index % targets.length]!;
    const job = post(agent, url, target).then(
      ({ status, bytes, end }) => {
        if (index < warmupCount) return;
        if (status !== 200) errors++;
        bodyBytes = bytes;
        latencies.push(end - due);
      },
      () => {
        if (index >= warmupCount) errors++;
      },
    );
    inflight.add(job);
    void job.finally(() => inflight.delete(job));
  }
  const sentAllAt = performance.now();
  await Promise.all(inflight);
  agent.destroy();
  return {
    latencies,
    errors,
    bodyBytes,
    sent: total - warmupCount,
    seconds: (sentAllAt - start - warmupMs) / 1000,
  };
}

type MeasuredRound = LoopSamples & { cpuMicros: number };

/** One measured round, with the server's CPU time over it. */
async function measuredRound(
  server: BenchServer,
  targets: readonly Target[],
  rate: number,
  durationMs: number,
): Promise<MeasuredRound> {
  const before = await server.usage();
  const samples = await openLoop(server.url, targets, rate, 0, durationMs);
  const after = await server.usage();
  return { ...samples, cpuMicros: after.cpuMicros - before.cpuMicros };
}

function summarise(rounds: readonly MeasuredRound[]): LatencyResult {
  const latencies = rounds.flatMap((r) => r.latencies);
  const sent = rounds.reduce((n, r) => n + r.sent, 0);
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  const cpuMicros = rounds.reduce((n, r) => n + r.cpuMicros, 0);
  return {
    cpuMsPerRequest: cpuMicros / 1000 / sent,
    requests: latencies.length,
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
    bodyBytes: rounds[rounds.length - 1]?.bodyBytes ?? 0,
    achievedRate: sent / seconds,
  };
}

/**
 * LeFlux and the bare floor, both running, loaded in alternating rounds so that whatever else
 * the machine does at the time weighs on both alike.
 */
export async function measureRestore(
  options = RESTORE_DEFAULTS,
  redisUrl?: string,
): Promise<{ leflux: LatencyResult; floor: LatencyResult; redis?: LatencyResult }> {
  const servers: BenchServer[] = [];
  try {
    const ours = await spawnBenchServer({ kind: 'leflux', dbPath: ':memory:' });
    servers.push(ours);
    const floor = await spawnBenchServer({
      kind: 'http-floor',
      floorMessages: options.historyLength,
    });
    servers.push(floor);
    // With Redis: the same seeded sessions on a node with the Redis store, in the same rounds.
    const onRedis = redisUrl
      ? await spawnBenchServer({
          kind: 'leflux',
          dbPath: ':memory:',
          redisUrl,
          redisPrefix: 'bench-restore:',
        })
      : undefined;
    if (onRedis) servers.push(onRedis);
    const seed = async (server: BenchServer) => {
      const seeded: SeededSession[] = await server.seed({
        siteKey: 'bench',
        sessions: options.sessions,
        messages: options.historyLength,
        prefix: 'r',
      });
      return seeded.map((s) => ({ path: `/api/session/${s.id}`, token: s.token }));
    };
    const targets = await seed(ours);
    const redisTargets = onRedis ? await seed(onRedis) : [];
    const floorTargets = [{ path: '/api/session/floor', token: 'floor' }];
    const roundMs = options.durationMs / options.rounds;
    const oursRounds: MeasuredRound[] = [];
    const floorRounds: MeasuredRound[] = [];
    const redisRounds: MeasuredRound[] = [];
    // Warm-up, unmeasured.
    await openLoop(floor.url, floorTargets, options.rate, options.warmupMs, 0);
    await openLoop(ours.url, targets, options.rate, options.warmupMs, 0);
    if (onRedis) await openLoop(onRedis.url, redisTargets, options.rate, options.warmupMs, 0);
    for (let round = 0; round < options.rounds; round++) {
      floorRounds.push(await measuredRound(floor, floorTargets, options.rate, roundMs));
      oursRounds.push(await measuredRound(ours, targets, options.rate, roundMs));
      if (onRedis)
        redisRounds.push(await measuredRound(onRedis, redisTargets, options.rate, roundMs));
    }
    return {
      leflux: summarise(oursRounds),
      floor: summarise(floorRounds),
      ...(onRedis ? { redis: summarise(redisRounds) } : {}),
    };
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
}

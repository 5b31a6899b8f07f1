/**
 * Figure 1: messages per server CPU-second. 100 socket.io connections, each sending its next
 * message as soon as the previous one is acked, against (a) the LeFlux gateway (validate, dedupe,
 * store, SQLite log, demo agent reply), (b) a bare socket.io echo server (the baseline) and (c) a
 * bare socket.io server that acks and replies like the gateway with nothing behind it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { type BenchServer, spawnBenchServer } from './server-process.js';
import { closeSockets, connectSockets, initSession } from './socket-clients.js';
import { percentile, sleep } from './stats.js';

export interface ThroughputResult {
  /** Round trips (echo) or acked visitor messages (LeFlux) in the measured window. */
  messages: number;
  cpuSeconds: number;
  wallSeconds: number;
  perCpuSecond: number;
}

export interface ThroughputOptions {
  connections: number;
  /** Unmeasured load at the start of each round. */
  warmupMs: number;
  /** Each round's measured window ends at whichever bound comes first. */
  maxMs: number;
  maxMessages: number;
  /** Rounds per server, alternating echo and LeFlux. */
  rounds: number;
}

export const THROUGHPUT_DEFAULTS: ThroughputOptions = {
  connections: 100,
  warmupMs: 700,
  maxMs: 3000,
  maxMessages: 100_000,
  rounds: 2,
};

const QUESTIONS = [
  'Hi, how much does the pro plan cost?',
  'What are your opening hours?',
  'Can I talk to a human from sales please',
  'what is leflux exactly',
  'Is there a free plan for small teams?',
  'I would like to know more about the business tier',
  'thanks, that helps a lot',
  'where do I find the contact form?',
];

/**
 * Drives `send` on every socket in a closed loop: warm-up, then a window bounded by count and time.
 * `settle` runs after the window (e.g. waiting for agent replies) before the CPU is read.
 */
async function closedLoop(
  sockets: readonly Socket[],
  send: (socket: Socket, socketIndex: number, n: number) => Promise<void>,
  readCpu: () => Promise<number>,
  options: ThroughputOptions,
  settle: () => Promise<void> = async () => {},
): Promise<ThroughputResult> {
  let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
  let measured = 0;
  const loops = sockets.map(async (socket, index) => {
    let n = 0;
    while (phase !== 'stop') {
      const counted = phase === 'measure';
      await send(socket, index, n++);
      if (counted) measured++;
      if (measured >= options.maxMessages) phase = 'stop';
    }
  });
  await sleep(options.warmupMs);
  const cpu0 = await readCpu();
  const t0 = performance.now();
  phase = 'measure';
  const deadline = sleep(options.maxMs).then(() => {
    phase = 'stop';
  });
  await Promise.race([Promise.all(loops), deadline]);
  phase = 'stop';
  await Promise.all(loops);
  const wallSeconds = (performance.now() - t0) / 1000;
  await settle();
  const cpuSeconds = ((await readCpu()) - cpu0) / 1e6;
  return { messages: measured, cpuSeconds, wallSeconds, perCpuSecond: measured / cpuSeconds };
}

const pool = (rounds: readonly ThroughputResult[]): ThroughputResult => {
  const messages = rounds.reduce((n, r) => n + r.messages, 0);
  const cpuSeconds = rounds.reduce((n, r) => n + r.cpuSeconds, 0);
  const wallSeconds = rounds.reduce((n, r) => n + r.wallSeconds, 0);
  return { messages, cpuSeconds, wallSeconds, perCpuSecond: messages / cpuSeconds };
};

/** A server speaking the gateway's shape, its connected sockets and its agent replies so far. */
interface GatewayTarget {
  server: BenchServer;
  sockets: Socket[];
  sent: number;
  replies: number;
}

async function gatewayTarget(server: BenchServer, connections: number): Promise<GatewayTarget> {
  const target: GatewayTarget = { server, sockets: [], sent: 0, replies: 0 };
  target.sockets.push(...(await connectSockets(server.url, connections)));
  for (const socket of target.sockets) socket.on('agent_message', () => void target.replies++);
  await Promise.all(target.sockets.map((socket) => initSession(socket, 'bench')));
  return target;
}

let messageRound = 0;

/** One round of visitor messages, each acked; then every agent reply awaited before the CPU read. */
function gatewayRound(target: GatewayTarget, options: ThroughputOptions) {
  const r = messageRound++;
  return closedLoop(
    target.sockets,
    async (socket, i, n) => {
      const reply = (await socket.timeout(10_000).emitWithAck('visitor_message', {
        id: `v${r}x${i}x${n}`,
        text: QUESTIONS[n % QUESTIONS.length],
        url: 'http://127.0.0.1/bench',
        sentAt: Date.now(),
      })) as { ok: boolean; duplicate?: boolean; error?: { message: string } };
      if (!reply.ok || reply.duplicate) {
        throw new Error(`message refused: ${reply.error?.message ?? 'duplicate'}`);
      }
      target.sent++;
    },
    async () => (await target.server.usage()).cpuMicros,
    options,
    // Every answered message costs its agent reply too: wait for them before reading the CPU.
    async () => {
      const until = performance.now() + 10_000;
      while (target.replies < target.sent && performance.now() < until) await sleep(10);
      if (target.replies < target.sent) {
        throw new Error(`only ${target.replies} of ${target.sent} agent replies arrived`);
      }
    },
  );
}

/** Ack round trips of one client sending one message at a time, with pauses: a quiet server. */
export interface AckLatency {
  p50: number;
  p99: number;
  samples: number;
}

export interface ThroughputResults {
  /** Bare socket.io: one packet in, its ack out. The baseline. */
  echo: ThroughputResult;
  /**
   * Bare socket.io in the gateway's shape: a message in, its ack and an `agent_message` out, no
   * work behind them. What the protocol itself costs: the ceiling for any gateway.
   */
  ackReply: ThroughputResult;
  /** LeFlux: validate, dedupe, store, SQLite log, demo agent reply. */
  gateway: ThroughputResult;
  /** One visitor on a quiet server: how long LeFlux's ack takes, and the bare server's. */
  ack: { gateway: AckLatency; ackReply: AckLatency };
}

/**
 * One socket of each target sends 120 messages, one at a time 40 ms apart (a visitor types
 * slower than a log batch, 20 ms), alternating between the two servers (the first 20 of each
 * are warm-up): the ack's round trip when nothing else is going on, which for LeFlux includes
 * writing the message's log row.
 */
async function measureAckLatency(targets: readonly GatewayTarget[]): Promise<AckLatency[]> {
  const rtts = targets.map((): number[] => []);
  for (let n = 0; n < 120; n++) {
    for (const [t, target] of targets.entries()) {
      const socket = target.sockets[0] as Socket;
      const started = performance.now();
      await socket.timeout(10_000).emitWithAck('visitor_message', {
        id: `ack${n}`,
        text: QUESTIONS[n % QUESTIONS.length],
        url: 'http://127.0.0.1/bench',
        sentAt: Date.now(),
      });
      if (n >= 20) rtts[t]?.push(performance.now() - started);
      await sleep(20);
    }
  }
  return rtts.map((samples) => ({
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    samples: samples.length,
  }));
}

/**
 * The servers run side by side and are loaded in alternating rounds, so that other work on the
 * machine weighs on all alike. Echo: round trips; the others: visitor messages acked and
 * answered (replies awaited before the CPU is read).
 */
export async function measureThroughput(options = THROUGHPUT_DEFAULTS): Promise<ThroughputResults> {
  const dir = mkdtempSync(join(tmpdir(), 'leflux-bench-'));
  const servers: BenchServer[] = [];
  const sockets: Socket[] = [];
  try {
    const echoServer = await spawnBenchServer({ kind: 'echo' });
    servers.push(echoServer);
    const bare = await spawnBenchServer({ kind: 'ack-reply' });
    servers.push(bare);
    const ours = await spawnBenchServer({ kind: 'leflux', dbPath: join(dir, 'log.sqlite') });
    servers.push(ours);
    const echoSockets = await connectSockets(echoServer.url, options.connections);
    sockets.push(...echoSockets);
    const bareTarget = await gatewayTarget(bare, options.connections);
    const ourTarget = await gatewayTarget(ours, options.connections);
    sockets.push(...bareTarget.sockets, ...ourTarget.sockets);

    const echoRound = () =>
      closedLoop(
        echoSockets,
        async (socket, i, n) => {
          // The same payload shape and size as a visitor message.
          await socket.timeout(10_000).emitWithAck('echo', {
            id: `e${i}x${n}`,
            text: QUESTIONS[n % QUESTIONS.length],
            url: 'http://127.0.0.1/bench',
            sentAt: Date.now(),
          });
        },
        async () => (await echoServer.usage()).cpuMicros,
        options,
      );
    const echo: ThroughputResult[] = [];
    const ackReply: ThroughputResult[] = [];
    const gateway: ThroughputResult[] = [];
    for (let i = 0; i < options.rounds; i++) {
      echo.push(await echoRound());
      ackReply.push(await gatewayRound(bareTarget, options));
      gateway.push(await gatewayRound(ourTarget, options));
    }
    const [gatewayAck, bareAck] = (await measureAckLatency([ourTarget, bareTarget])) as [
      AckLatency,
      AckLatency,
    ];
    return {
      echo: pool(echo),
      ackReply: pool(ackReply),
      gateway: pool(gateway),
      ack: { gateway: gatewayAck, ackReply: bareAck },
    };
  } finally {
    closeSockets(sockets);
    await Promise.all(servers.map((server) => server.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What LeFlux runs on with several nodes: one Redis, one PostgreSQL. */
export interface RedisBacking {
  redisUrl: string;
  /** A fresh database per server under test. */
  databaseUrl: () => Promise<string>;
}

export interface RedisThroughputResults {
  /** Bare socket.io on the same Redis adapter, acking and replying through a room. */
  ackReply: ThroughputResult;
  /** LeFlux on the Redis store and adapter, with the PostgreSQL log. */
  gateway: ThroughputResult;
}

/**
 * The figure for several nodes: LeFlux on Redis (store, lock and adapter) and
 * PostgreSQL, against a bare socket.io server with the same adapter that acks and replies
 * through a room (so the adapter publishes each reply, as it does for LeFlux), in alternating
 * rounds.
 */
export async function measureRedisThroughput(
  backing: RedisBacking,
  options = THROUGHPUT_DEFAULTS,
): Promise<RedisThroughputResults> {
  const servers: BenchServer[] = [];
  const sockets: Socket[] = [];
  try {
    const bare = await spawnBenchServer({
      kind: 'ack-reply',
      redisUrl: backing.redisUrl,
      redisPrefix: 'bench-bare:',
    });
    servers.push(bare);
    const ours = await spawnBenchServer({
      kind: 'leflux',
      redisUrl: backing.redisUrl,
      redisPrefix: 'bench-tp:',
      databaseUrl: await backing.databaseUrl(),
    });
    servers.push(ours);
    const bareTarget = await gatewayTarget(bare, options.connections);
    const ourTarget = await gatewayTarget(ours, options.connections);
    sockets.push(...bareTarget.sockets, ...ourTarget.sockets);
    const ackReply: ThroughputResult[] = [];
    const gateway: ThroughputResult[] = [];
    for (let i = 0; i < options.rounds; i++) {
      ackReply.push(await gatewayRound(bareTarget, options));
      gateway.push(await gatewayRound(ourTarget, options));
    }
    return { ackReply: pool(ackReply), gateway: pool(gateway) };
  } finally {
    closeSockets(sockets);
    await Promise.all(servers.map((server) => server.close()));
  }
}

/**
 * Figure 1: messages per server CPU-second. 100 socket.io connections, each sending its next
 * message as soon as the previous one is acked, against (a) the LeFlux gateway (validate, dedupe,
 * store, SQLite log, demo agent reply) and (b) a bare socket.io echo server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { spawnBenchServer } from './server-process.js';
import { closeSockets, connectSockets, initSession } from './socket-clients.js';
import { sleep } from './stats.js';

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

/**
 * Both servers run side by side and are loaded in alternating rounds, so that other work on the
 * machine weighs on both alike. Echo: round trips; LeFlux: visitor messages acked, logged and
 * answered by the agent (replies awaited before the CPU is read).
 */
export async function measureThroughput(
  options = THROUGHPUT_DEFAULTS,
): Promise<{ echo: ThroughputResult; gateway: ThroughputResult }> {
  const dir = mkdtempSync(join(tmpdir(), 'leflux-bench-'));
  const echoServer = await spawnBenchServer({ kind: 'echo' });
  const ours = await spawnBenchServer({ kind: 'leflux', dbPath: join(dir, 'log.sqlite') }).catch(
    async (error: unknown) => {
      await echoServer.close();
      throw error;
    },
  );
  const echoSockets: Socket[] = [];
  const ourSockets: Socket[] = [];
  try {
    echoSockets.push(...(await connectSockets(echoServer.url, options.connections)));
    ourSockets.push(...(await connectSockets(ours.url, options.connections)));
    let sent = 0;
    let replies = 0;
    for (const socket of ourSockets) socket.on('agent_message', () => void replies++);
    await Promise.all(ourSockets.map((socket) => initSession(socket, 'bench')));

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
    let round = 0;
    const gatewayRound = () => {
      const r = round++;
      return closedLoop(
        ourSockets,
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
          sent++;
        },
        async () => (await ours.usage()).cpuMicros,
        options,
        // Every answered message costs its agent reply too: wait for them before reading the CPU.
        async () => {
          const until = performance.now() + 10_000;
          while (replies < sent && performance.now() < until) await sleep(10);
          if (replies < sent) throw new Error(`only ${replies} of ${sent} agent replies arrived`);
        },
      );
    };
    const echo: ThroughputResult[] = [];
    const gateway: ThroughputResult[] = [];
    for (let i = 0; i < options.rounds; i++) {
      echo.push(await echoRound());
      gateway.push(await gatewayRound());
    }
    return { echo: pool(echo), gateway: pool(gateway) };
  } finally {
    closeSockets(echoSockets);
    closeSockets(ourSockets);
    await Promise.all([echoServer.close(), ours.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

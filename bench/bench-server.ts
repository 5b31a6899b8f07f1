/**
 * Child-process entry of a bench server (see server-process.ts). argv[2] is the JSON options.
 * - `leflux`: the real server (`startServer`) with a memory store the parent can seed.
 * - `echo`: a bare socket.io 4.8 server that acks every `echo` with its payload.
 * - `ack-reply`: a bare socket.io 4.8 server speaking the gateway's shape with no work behind it:
 *   acks each `visitor_message` and then emits an `agent_message` (two packets out per message).
 * - `http-floor`: a bare node:http server answering every POST with a restore-sized JSON body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { RestoreResponse } from '../src/protocol/index.js';
import type * as ServerPackage from '../src/server/index.js';
import { NO_RATE_LIMITS } from '../src/server/limits/rate-limiter.js';
import type { Logger } from '../src/server/logger.js';
import { createRedisSessionStore } from '../src/server/stores/redis-store.js';
import { seedConversation } from './seed-history.js';
import type {
  BenchReply,
  BenchRequest,
  BenchServerOptions,
  SeededSession,
  SeedRequest,
} from './server-process.js';

const options = JSON.parse(process.argv[2] ?? '{}') as BenchServerOptions;
const send = (message: BenchReply) => process.send?.(message);

/** Errors go to stderr: a bench run with server errors is not a clean run. */
const logger: Logger = {
  info: () => {},
  warn: (message, error) => console.warn(`[bench-server] ${message}`, error ?? ''),
  error: (message, error) => console.error(`[bench-server] ${message}`, error ?? ''),
};

const listenUrl = (address: AddressInfo) => `http://127.0.0.1:${address.port}`;

interface Running {
  url: string;
  seed?: (request: SeedRequest) => Promise<SeededSession[]>;
  close(): Promise<void>;
}

/**
 * The server as it ships (`leflux/server`, built by `npm run build`), not its sources through
 * tsx: tsx keeps function names by wrapping every closure the server creates per message.
 */
async function builtServer(): Promise<typeof ServerPackage> {
  const path = '../dist/server/index.js';
  return (await import(path)) as typeof ServerPackage;
}

async function startLeFlux(): Promise<Running> {
  const { createLeFluxServer, createMemorySessionStore } = await builtServer();
  const idleTtlMs = 30 * 60_000;
  const { redisUrl, redisPrefix = 'bench:' } = options;
  // On Redis the server opens its own store; this one (same keys) only seeds it.
  const store = redisUrl
    ? createRedisSessionStore({ client: new Redis(redisUrl), keyPrefix: redisPrefix, idleTtlMs })
    : createMemorySessionStore({ idleTtlMs });
  const server = await createLeFluxServer({
    host: '127.0.0.1',
    dbPath: options.dbPath ?? ':memory:',
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    messageLog: true,
    // The demo agent answers, as under `npm start`.
    demo: true,
    // The bench pages are not the demo site: nothing there for the agent's crawl to read.
    ...(options.demoDir ? { demoDir: options.demoDir, crawl: false } : {}),
    ...(redisUrl
      ? { storeKind: 'redis' as const, redisUrl, redisPrefix, idleTtlMs }
      : { store, idleTtlMs }),
    logger,
    // The load generator is thousands of visitors on one address.
    limits: NO_RATE_LIMITS,
    maxSessions: 10_000_000,
  });
  const { url } = await server.listen({ port: 0 });
  return {
    url,
    async seed({ siteKey, sessions, messages, prefix }) {
      const seeded: SeededSession[] = [];
      for (let s = 0; s < sessions; s++) {
        const session = await store.sessions.create(siteKey);
        const history = seedConversation(`${prefix}${s}`, messages);
        for (const message of history) await store.history.append(session.id, message);
        seeded.push({
          id: session.id,
          token: session.token,
          lastMessageId: history[history.length - 1]?.id ?? '',
        });
      }
      return seeded;
    },
    async close() {
      await server.close();
      if (redisUrl) await store.close();
    },
  };
}

async function startEcho(): Promise<Running> {
  const http = createServer();
  const io = new Server(http, { serveClient: false, cors: { origin: true } });
  io.on('connection', (socket) => {
    socket.on('echo', (payload: unknown, ack: unknown) => {
      if (typeof ack === 'function') ack(payload);
    });
  });
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  return {
    url: listenUrl(http.address() as AddressInfo),
    close: () => io.close(),
  };
}

async function startAckReply(): Promise<Running> {
  const http = createServer();
  const io = new Server(http, { serveClient: false, cors: { origin: true } });
  // With Redis: the same adapter as a LeFlux node, and replies through a room as LeFlux sends
  // them, so the adapter publishes each one as it does there.
  const redis = options.redisUrl ? new Redis(options.redisUrl) : undefined;
  const subscriber = redis?.duplicate();
  if (redis && subscriber) {
    io.adapter(
      createAdapter(redis, subscriber, { key: `${options.redisPrefix ?? 'bench:'}socket.io` }),
    );
    await subscriber.ping();
  }
  io.on('connection', (socket) => {
    let seq = 0;
    const room = `s-${socket.id}`;
    socket.on('session_init', (_payload: unknown, ack: unknown) => {
      void socket.join(room);
      if (typeof ack === 'function')
        ack({ ok: true, sessionId: socket.id, token: 't', resumed: false, missed: [], task: null });
    });
    socket.on('visitor_message', (payload: { id?: string; text?: string }, ack: unknown) => {
      if (typeof ack !== 'function') return;
      ack({ ok: true, seq: ++seq, duplicate: false });
      (redis ? io.to(room) : socket).emit('agent_message', {
        id: `r${seq}`,
        text: `You asked: ${payload.text ?? ''}. Here is what I found on this site.`,
        at: Date.now(),
        seq: ++seq,
      });
    });
  });
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  return {
    url: listenUrl(http.address() as AddressInfo),
    async close() {
      await io.close();
      await Promise.all([redis?.quit(), subscriber?.quit()]);
    },
  };
}

async function startHttpFloor(): Promise<Running> {
  const count = options.floorMessages ?? 200;
  const body: RestoreResponse = {
    session: { id: 'floor', siteKey: 'bench', createdAt: Date.now(), lastActiveAt: Date.now() },
    history: seedConversation('floor', count).map((m, i) => ({ ...m, seq: i + 1 })),
    task: null,
  };
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // The same work shape as the real route: parse the request, serialise the history.
      const request = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        token?: unknown;
      };
      const json = JSON.stringify(typeof request.token === 'string' ? body : { error: {} });
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(json)),
        'cache-control': 'no-store',
      });
      res.end(json);
    });
  };
  const http = createServer(answer);
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  return {
    url: listenUrl(http.address() as AddressInfo),
    async close() {
      const closed = new Promise<void>((done) => http.close(() => done()));
      http.closeAllConnections();
      await closed;
    },
  };
}

const gc = (globalThis as { gc?: () => void }).gc;

async function main(): Promise<void> {
  const running =
    options.kind === 'leflux'
      ? await startLeFlux()
      : options.kind === 'echo'
        ? await startEcho()
        : options.kind === 'ack-reply'
          ? await startAckReply()
          : await startHttpFloor();

  process.on('message', async (raw) => {
    const request = raw as BenchRequest;
    try {
      let value: unknown = null;
      if (request.type === 'usage') {
        if (request.gc && gc) {
          gc();
          gc();
        }
        const cpu = process.cpuUsage();
        const memory = process.memoryUsage();
        value = { cpuMicros: cpu.user + cpu.system, rss: memory.rss, heapUsed: memory.heapUsed };
      } else if (request.type === 'seed') {
        if (!running.seed) throw new Error(`a ${options.kind} server cannot be seeded`);
        value = await running.seed(request);
      } else if (request.type === 'close') {
        await running.close();
        process.send?.({ type: 'reply', id: request.id, ok: true, value: null }, () =>
          process.exit(0),
        );
        return;
      }
      send({ type: 'reply', id: request.id, ok: true, value });
    } catch (error) {
      send({ type: 'reply', id: request.id, ok: false, message: String(error) });
    }
  });
  // The parent went away: do not linger.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', url: running.url });
}

main().catch((error: unknown) => {
  console.error('[bench-server] failed to start', error);
  process.exit(1);
});

/**
 * The parent's side of a bench server: each server under test runs in a child process of its own
 * (`bench-server.ts`), so its CPU time and memory are isolated from the load generator.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type BenchServerKind = 'leflux' | 'echo' | 'ack-reply' | 'http-floor';

export interface BenchServerOptions {
  kind: BenchServerKind;
  /** leflux: the SQLite message log (a file, or `:memory:`). */
  dbPath?: string;
  /** leflux: the static site root (bench pages). */
  demoDir?: string;
  /** http-floor: how many messages the answered history holds. */
  floorMessages?: number;
  /**
   * leflux: the Redis session store and socket.io on Redis (`LEFLUX_STORE=redis`); ack-reply:
   * socket.io on the same Redis adapter. Unset: the memory store, no adapter.
   */
  redisUrl?: string;
  /** With `redisUrl`: the key and channel prefix, so servers of one run do not meet. */
  redisPrefix?: string;
  /** leflux: the PostgreSQL message log (`DATABASE_URL`) instead of SQLite. */
  databaseUrl?: string;
}

export interface SeedRequest {
  siteKey: string;
  sessions: number;
  messages: number;
  /** Message ids are `<prefix><session>-<i>`. */
  prefix: string;
}

export interface SeededSession {
  id: string;
  token: string;
  lastMessageId: string;
}

export interface Usage {
  /** process.cpuUsage() user + system, in microseconds since the child started. */
  cpuMicros: number;
  rss: number;
  heapUsed: number;
}

export type BenchRequest =
  | { id: number; type: 'usage'; gc: boolean }
  | ({ id: number; type: 'seed' } & SeedRequest)
  | { id: number; type: 'close' };

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export type BenchReply =
  | { type: 'ready'; url: string }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; message: string };

export interface BenchServer {
  url: string;
  /** CPU and memory of the server process; `gc` runs a full collection first. */
  usage(gc?: boolean): Promise<Usage>;
  /** leflux only: creates sessions with histories in the server's store. */
  seed(request: SeedRequest): Promise<SeededSession[]>;
  close(): Promise<void>;
}

const entry = fileURLToPath(new URL('./bench-server.ts', import.meta.url));

/** `LEFLUX_BENCH_PROFILE=<dir>`: every bench server writes a V8 CPU profile there as it exits. */
const profileArgs = (): string[] => {
  const dir = process.env.LEFLUX_BENCH_PROFILE;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
};

/** Starts a bench server child on a free loopback port and resolves once it listens. */
export function spawnBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  const child: ChildProcess = fork(entry, [JSON.stringify(options)], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...profileArgs()],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, { done: (v: unknown) => void; fail: (e: Error) => void }>();
  const exited = new Promise<void>((done) => child.once('exit', () => done()));

  function request<T>(body: WithoutId<BenchRequest>): Promise<T> {
    const id = nextId++;
    return new Promise<T>((done, fail) => {
      pending.set(id, { done: (v) => done(v as T), fail });
      child.send({ ...body, id });
    });
  }

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`bench server (${options.kind}) did not start within 20 s`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      for (const p of pending.values()) p.fail(new Error(`bench server exited (${code})`));
      pending.clear();
      reject(new Error(`bench server (${options.kind}) exited with ${code}`));
    });
    child.on('message', (raw) => {
      const message = raw as BenchReply;
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve({
          url: message.url,
          usage: (gc = false) => request<Usage>({ type: 'usage', gc }),
          seed: (seed) => request<SeededSession[]>({ type: 'seed', ...seed }),
          async close() {
            if (child.exitCode !== null) return;
            const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
            await request<null>({ type: 'close' }).catch(() => undefined);
            await exited;
            clearTimeout(kill);
          },
        });
        return;
      }
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) waiter?.done(message.value);
      else waiter?.fail(new Error(message.message));
    });
  });
}

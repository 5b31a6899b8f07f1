import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from './loopback-port.js';
import { findRedisServer, missingServerError } from './server-binaries.js';

/** A `redis-server` of a test's own, on loopback. */
export interface RunningRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** How long to wait for "Ready to accept connections". Default 10 s. */
  timeoutMs?: number;
}

/** Servers still running (and their dirs), killed if the test process exits without stopping them. */
const running = new Map<ChildProcess, string>();
process.once('exit', () => {
  for (const [child, dir] of running) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Starts `redis-server` on a free loopback port, with no persistence (`--save ''`, no AOF) and
 * its working directory in a fresh temp dir. Works as root and as any other user. Retries on
 * another port when the chosen one was taken meanwhile.
 *
 * @example
 * const redis = await startRedis();
 * // ... new Redis(redis.url) ...
 * await redis.stop();
 * @throws {MissingServerError} when `redis-server` is not installed.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RunningRedis> {
  const binary = findRedisServer();
  if (!binary) throw missingServerError('redis');
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    try {
      return await startOn(binary, port, options.timeoutMs ?? 10_000);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt === 3) throw error;
    }
  }
}

class PortTakenError extends Error {}

async function startOn(binary: string, port: number, timeoutMs: number): Promise<RunningRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'leflux-redis-'));
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.set(child, dir);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  exited.then(() => running.delete(child));
  let output = '';
  try {
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`redis-server did not start within ${timeoutMs} ms:\n${output}`)),
        timeoutMs,
      );
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          child.stdout?.off('data', read);
          child.stderr?.off('data', read);
          ready();
        }
      };
      child.stdout?.on('data', read);
      child.stderr?.on('data', read);
      child.once('error', (error) => {
        clearTimeout(timer);
        fail(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        fail(
          /address already in use/i.test(output)
            ? new PortTakenError(`port ${port} taken`)
            : new Error(`redis-server exited (${signal ?? code}) before it was ready:\n${output}`),
        );
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  // Keep draining its output so a chatty server never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();

  let stopping: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(killer);
        }
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

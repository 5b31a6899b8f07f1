import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freeLoopbackPort } from './loopback-port.js';
import { findPostgresBin, missingServerError } from './server-binaries.js';

const run = promisify(execFile);

/** A PostgreSQL server of a test's own, on loopback, trusting every local connection. */
export interface RunningPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (the maintenance database). */
  url: string;
  port: number;
  /**
   * Creates an empty database and returns its URL; a fresh one per test keeps tests apart
   * (~10-20 ms each here). Default name: `leflux_test_<n>`.
   */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server at once (`pg_ctl stop -m immediate`) and removes its files. Idempotent. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** How long `pg_ctl start` waits for the server to accept connections. Default 30 s. */
  timeoutSeconds?: number;
}

/** Data directories of servers still running, stopped if the test process exits without it. */
const running = new Map<string, (sync: true) => void>();
process.once('exit', () => {
  for (const stop of running.values()) stop(true);
});

/**
 * Starts a throwaway PostgreSQL (`initdb` + `pg_ctl`) in a fresh temp dir on a free loopback
 * port, tuned for tests (no fsync). `initdb` refuses to run as root, so as root every command
 * runs as the `postgres` system user (`runuser`), which then owns the temp dir; as any other
 * user they run as that user. Retries on another port when the chosen one was taken meanwhile.
 *
 * @example
 * const postgres = await startPostgres();
 * const url = await postgres.createDatabase();
 * await postgres.stop();
 * @throws {MissingServerError} when PostgreSQL is not installed.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<RunningPostgres> {
  const bin = findPostgresBin();
  if (!bin) throw missingServerError('postgres');
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? await systemUser('postgres') : undefined;
  /** Runs a PostgreSQL program, as `postgres` when we are root. */
  const pg = (program: string, args: string[]) => {
    const file = join(bin, program);
    return asRoot ? run('runuser', ['-u', 'postgres', '--', file, ...args]) : run(file, args);
  };

  const dir = mkdtempSync(join(tmpdir(), 'leflux-pg-'));
  const data = join(dir, 'data');
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  try {
    if (owner) {
      chownSync(dir, owner.uid, owner.gid);
      chmodSync(dir, 0o700);
    }
    await describeFailure(
      'initdb',
      pg('initdb', [
        '-D',
        data,
        '--auth=trust',
        '-U',
        'postgres',
        '-E',
        'UTF8',
        '--no-locale',
        // A test database need not survive a crash: skipping fsync halves initdb's time.
        '--no-sync',
      ]),
    );
  } catch (error) {
    removeDir();
    throw error;
  }

  const stopNow = (mode: 'async' | 'sync') => {
    const args = ['stop', '-D', data, '-m', 'immediate', '-w'];
    if (mode === 'async') return pg('pg_ctl', args).then(removeDir, removeDir);
    // At process exit only synchronous work runs.
    try {
      const file = join(bin, 'pg_ctl');
      if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', file, ...args]);
      else execFileSync(file, args);
    } catch {
      // Already stopped.
    }
    removeDir();
    return Promise.resolve();
  };

  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    const settings = [
      `-p ${port}`,
      `-k '${dir}'`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
    ].join(' ');
    const logFile = join(dir, 'postgres.log');
    try {
      await describeFailure(
        'pg_ctl start',
        pg('pg_ctl', [
          'start',
          '-D',
          data,
          '-o',
          settings,
          '-l',
          logFile,
          '-w',
          '-t',
          String(options.timeoutSeconds ?? 30),
        ]),
        () => readFileSync(logFile, 'utf8'),
      );
    } catch (error) {
      const taken = /already in use/i.test(String((error as Error).message));
      if (taken && attempt < 3) continue;
      await stopNow('async');
      throw error;
    }
    running.set(data, () => void stopNow('sync'));
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    let databases = 0;
    let stopping: Promise<void> | undefined;
    return {
      url,
      port,
      async createDatabase(name = `leflux_test_${++databases}`) {
        const client = new Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
        } finally {
          await client.end();
        }
        return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`;
      },
      stop() {
        stopping ??= (() => {
          running.delete(data);
          return stopNow('async');
        })();
        return stopping;
      },
    };
  }
}

/** uid and gid of a system user, from `id` (the error names the user when there is none). */
async function systemUser(name: string): Promise<{ uid: number; gid: number }> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('running as root, PostgreSQL needs `id` and `runuser` on the PATH', {
        cause,
      });
    }
    throw new Error(
      `running as root, PostgreSQL's initdb needs the "${name}" system user, which is missing (the postgresql package creates it)`,
      { cause },
    );
  }
}

/** Rejects with the program's own output (and its log, when given) in the message. */
async function describeFailure(
  what: string,
  work: Promise<unknown>,
  log?: () => string,
): Promise<void> {
  try {
    await work;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    let serverLog = '';
    try {
      serverLog = log?.() ?? '';
    } catch {
      // No log file yet.
    }
    throw new Error(
      `${what} failed: ${[stderr, stdout, serverLog].filter(Boolean).join('\n').trim() || String(error)}`,
      { cause: error },
    );
  }
}

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Which CLI a test or a bench runs: its sources through tsx, or the build (`npm run build`). */
export type CliEntry = 'source' | 'built';

const ENTRIES: Record<CliEntry, string[]> = {
  source: ['--import', 'tsx', fileURLToPath(new URL('../cli.ts', import.meta.url))],
  built: [fileURLToPath(new URL('../../../dist/server/cli.js', import.meta.url))],
};

/** Lines of output kept per process: enough for a failure's message, bounded under load. */
const KEPT_LINES = 2_000;

export interface CliProcessOptions {
  /** Loopback port to listen on. */
  port: number;
  /** On top of the defaults: the demo on (site and agent), no crawl, `LOG_LEVEL=warn`. */
  env?: Record<string, string>;
  /** Default `source`. */
  entry?: CliEntry;
  /** Also told each chunk of stderr (the bench prints a node's warnings as they come). */
  onStderr?: (chunk: string) => void;
}

/** One `leflux serve --demo` process. */
export interface CliProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Resolves when it exited: its code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote (stdout and stderr lines, the newest `KEPT_LINES`), for a failure's message. */
  readonly output: string[];
  /** Sends the signal (no-op once exited) and resolves when the process exited. */
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs the server's CLI as `npm start` does (`serve --demo`) in a child process on `port`, and
 * resolves once `/readyz` answers 200; rejects with its output when it exits first or is not
 * ready within 30 s. For the tests and benches that kill, restart or drain real processes.
 *
 * @example const node = await startCliProcess({ port, env: { LEFLUX_STORE: 'redis', REDIS_URL } });
 */
export async function startCliProcess(options: CliProcessOptions): Promise<CliProcess> {
  const { port, env = {}, entry = 'source', onStderr } = options;
  const child = spawn(process.execPath, [...ENTRIES[entry], 'serve', '--demo'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LEFLUX_DEMO: 'on',
      LEFLUX_CRAWL: 'off',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    if (output.length > KEPT_LINES) output.splice(0, output.length - KEPT_LINES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', (chunk: Buffer) => {
    keep(chunk);
    onStderr?.(chunk.toString());
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (gone) throw new Error(`the server exited before it was ready:\n${output.join('\n')}`);
    const ready = await fetch(`${url}/readyz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not ready in 30 s:\n${output.join('\n')}`);
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  return {
    url,
    port,
    child,
    exited,
    output,
    async stop(signal) {
      if (!gone) child.kill(signal);
      return exited;
    },
  };
}

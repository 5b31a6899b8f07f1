/**
 * The server as `npm start` runs it (`leflux serve --demo`, from `src/server/cli.ts`), in a child
 * process the fault suite can SIGKILL and start again on the same port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/server/cli.ts', import.meta.url));

export interface ServerProcess {
  url: string;
  /** SIGKILL: no shutdown, no flush, nothing written after this instant. */
  kill(): Promise<void>;
  /** Starts the server again on the same port, with the same environment. */
  restart(): Promise<void>;
  /** Stops it (SIGTERM, as an operator would). */
  stop(): Promise<void>;
  /** Lines the server wrote on stderr (what a crash would leave). */
  readonly stderr: string[];
}

/**
 * Runs the CLI on `port` with the demo on (site, agent), no crawl, and `env` on top; resolves
 * once `/healthz` answers.
 */
export async function startServerProcess(
  port: number,
  env: Record<string, string>,
): Promise<ServerProcess> {
  const url = `http://127.0.0.1:${port}`;
  const stderr: string[] = [];
  let child: ChildProcess | undefined;

  async function start() {
    const started = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', '--demo'], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LEFLUX_DEMO: 'on',
        LEFLUX_CRAWL: 'off',
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    started.stderr?.on('data', (chunk: Buffer) => stderr.push(String(chunk)));
    child = started;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (started.exitCode !== null) throw new Error(`the server exited: ${stderr.join('')}`);
      const healthy = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (healthy) return;
      if (Date.now() > deadline) throw new Error('the server did not answer /healthz in 30 s');
      await new Promise((done) => setTimeout(done, 50));
    }
  }

  async function signal(name: NodeJS.Signals) {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill(name);
    await exited;
  }

  await start();
  return {
    url,
    stderr,
    kill: () => signal('SIGKILL'),
    restart: start,
    stop: () => signal('SIGTERM'),
  };
}

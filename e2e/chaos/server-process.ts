/**
 * The server as `npm start` runs it (`leflux serve --demo`, from `src/server/cli.ts`), in a child
 * process the fault suite can SIGKILL and start again on the same port.
 */
import { type CliProcess, startCliProcess } from '../../src/server/testing/cli-process.js';

export interface ServerProcess {
  url: string;
  /** SIGKILL: no shutdown, no flush, nothing written after this instant. */
  kill(): Promise<void>;
  /** Starts the server again on the same port, with the same environment. */
  restart(): Promise<void>;
  /** Stops it (SIGTERM, as an operator would). */
  stop(): Promise<void>;
}

/**
 * Runs the CLI on `port` with the demo on (site, agent), no crawl, and `env` on top; resolves
 * once it is ready.
 */
export async function startServerProcess(
  port: number,
  env: Record<string, string>,
): Promise<ServerProcess> {
  let running: CliProcess = await startCliProcess({ port, env });
  return {
    url: running.url,
    kill: async () => void (await running.stop('SIGKILL')),
    restart: async () => {
      running = await startCliProcess({ port, env });
    },
    stop: async () => void (await running.stop('SIGTERM')),
  };
}

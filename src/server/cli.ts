#!/usr/bin/env node
/**
 * `npx leflux serve [--port N] [--host H] [--demo]`: the LeFlux server from the package, configured
 * by the same environment variables as `npm start` (`--port` and `--host` win over PORT and HOST;
 * `--demo` turns the demo on unless LEFLUX_DEMO=off). `npm start` runs it with `--demo`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import closeWithGrace from 'close-with-grace';
import { ConfigError, configSecrets, loadConfig } from './config.js';
import { createLeFluxServer, type LeFluxServer, MissingDependencyError } from './index.js';
import { createJsonLogger } from './logger.js';
import { ensureOptional } from './optional-dependency.js';

const USAGE = `Usage: leflux serve [--port N] [--host H] [--demo]

Runs the LeFlux server: the widget (GET /widget.js), its API and socket.io.
  --port N   where to listen (PORT, default 8787; 0 picks a free port)
  --host H   the address to bind (HOST, default 127.0.0.1)
  --demo     also serve the demo site at / with the demo agent (unless LEFLUX_DEMO=off)

Everything else comes from the environment, as for npm start: LEFLUX_DB, DATABASE_URL,
LEFLUX_MESSAGE_LOG, LEFLUX_IDLE_TTL_MS, LEFLUX_ADMIN_KEY, LEFLUX_SITES, LOG_LEVEL,
LEFLUX_METRICS_PORT, LEFLUX_STORE, REDIS_URL... (see the README). It needs the packages
socket.io, pino, prom-client and rate-limiter-flexible beside leflux, libsql for the default (SQLite)
message log or pg for PostgreSQL, and ioredis and @socket.io/redis-adapter for LEFLUX_STORE=redis.`;

/** How long a node may take to stop once told to (the rule: within 10 s). */
const SHUTDOWN_DEADLINE_MS = 10_000;
/** How long answers in flight get to be posted while a node drains (inside the deadline). */
const ANSWER_GRACE_MS = 8_000;

/** The flags that stand for a variable, by variable. */
const FLAGS: Record<string, 'port' | 'host'> = { PORT: 'port', HOST: 'host' };

/** Exits with `message` for the operator: their mistake to fix, so no stack trace. */
function fail(message: string, code = 1): never {
  console.error(`leflux: ${message}`);
  process.exit(code);
}

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) return void console.log(USAGE);
  if (values.version) {
    const manifest = new URL('../../package.json', import.meta.url);
    return void console.log(JSON.parse(readFileSync(manifest, 'utf8')).version);
  }
  if (positionals[0] !== 'serve' || positionals.length > 1) {
    fail(`unknown command "${positionals.join(' ')}"\n\n${USAGE}`, 2);
  }

  const env = { ...process.env };
  // The flags are checked as the variables they stand for.
  if (values.port !== undefined) env.PORT = values.port;
  if (values.host !== undefined) env.HOST = values.host;
  let config: ReturnType<typeof loadConfig>;
  try {
    // --demo makes the demo the default, as `npm start` has it: LEFLUX_DEMO=off still turns it off.
    config = loadConfig(env, { demo: values.demo === true });
  } catch (error) {
    const flag = error instanceof ConfigError && FLAGS[error.variable];
    if (flag && values[flag] !== undefined) fail(`--${flag}: ${(error as Error).message}`);
    throw error;
  }
  // Checked before the logger (pino) is needed: every missing one named, with one command.
  ensureOptional('the LeFlux server (npx leflux serve)', [
    'socket.io',
    'prom-client',
    'pino',
    'rate-limiter-flexible',
  ]);
  const logger = createJsonLogger({ level: config.logLevel, secrets: configSecrets(config) });
  let url: string;
  let server: LeFluxServer;
  try {
    server = await createLeFluxServer({ ...config, logger });
    ({ url } = await server.listen({ port: config.port, host: config.host }));
  } catch (error) {
    if (error instanceof MissingDependencyError) throw error;
    // Structured, like every line after it: the database's reason, never its password.
    logger.error('LeFlux failed to start', error);
    process.exit(1);
  }
  logger.info(`LeFlux listening on ${url}${config.demo ? ` (demo: ${url}/)` : ''}`, { url });

  // SIGTERM or SIGINT (also an uncaught error): drain, then exit; a second signal, or 10 s
  // passing, exits at once. Draining leaves answers in flight 8 s, inside those 10.
  closeWithGrace(
    {
      delay: SHUTDOWN_DEADLINE_MS,
      logger: { error: (message: unknown) => logger.error(String(message)) },
    },
    async ({ signal, err }) => {
      if (err) logger.error('uncaught error, closing', err);
      else logger.info(`${signal ?? 'exit'} received, closing`, { signal });
      await server.close({ graceMs: ANSWER_GRACE_MS });
      logger.info('closed');
    },
  );
}

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      demo: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // A configuration mistake or a missing package is the operator's to fix: the message says how.
  if (error instanceof ConfigError || error instanceof MissingDependencyError) fail(error.message);
  console.error('LeFlux failed to start:', error);
  process.exit(1);
});

import closeWithGrace from 'close-with-grace';
import { ConfigError, configSecrets, loadConfig } from './config.js';
import { createJsonLogger } from './logger.js';
import { createLeFluxServer, type LeFluxServer } from './server.js';

/** `npm start`: the server from the environment, with the demo on unless `LEFLUX_DEMO=off`. */
async function main(): Promise<void> {
  const config = loadConfig(process.env, { demo: true });
  const logger = createJsonLogger({ level: config.logLevel, secrets: configSecrets(config) });
  let url: string;
  let server: LeFluxServer;
  try {
    server = await createLeFluxServer({ ...config, logger });
    ({ url } = await server.listen({ port: config.port, host: config.host }));
  } catch (error) {
    // Structured, like every line after it: the database's reason, never its password.
    logger.error('LeFlux failed to start', error);
    process.exit(1);
  }
  logger.info(`LeFlux listening on ${url}${config.demo ? ` (demo: ${url}/)` : ''}`, { url });

  // SIGTERM or SIGINT (also an uncaught error): drain, then exit; a second signal, or 10 s
  // passing, exits at once. Draining leaves the agent 8 s for answers in flight, inside those 10.
  closeWithGrace(
    {
      delay: SHUTDOWN_DEADLINE_MS,
      logger: { error: (message: unknown) => logger.error(String(message)) },
    },
    async ({ signal, err }) => {
      if (err) logger.error('uncaught error, closing', err);
      else logger.info(`${signal ?? 'exit'} received, draining`, { signal });
      await server.close({ graceMs: ANSWER_GRACE_MS });
      logger.info('closed');
    },
  );
}

/** How long a node may take to stop once told to (the issue's rule: within 10 s). */
const SHUTDOWN_DEADLINE_MS = 10_000;
/** How long answers in flight get to be posted while a node drains (inside the deadline). */
const ANSWER_GRACE_MS = 8_000;

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    // A configuration mistake is the operator's to fix: the message is enough, no stack (and no
    // JSON: LOG_LEVEL itself may be what is wrong).
    console.error(`LeFlux: ${error.message}`);
  } else {
    console.error('LeFlux failed to start:', error);
  }
  process.exit(1);
});

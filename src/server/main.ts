import { ConfigError, configSecrets, loadConfig } from './config.js';
import { createJsonLogger } from './logger.js';
import { createLeFluxServer } from './server.js';

/** `npm start`: the server from the environment, with the demo on unless `LEFLUX_DEMO=off`. */
async function main(): Promise<void> {
  const config = loadConfig(process.env, { demo: true });
  const logger = createJsonLogger({ level: config.logLevel, secrets: configSecrets(config) });
  const server = await createLeFluxServer({ ...config, logger });
  let url: string;
  try {
    ({ url } = await server.listen({ port: config.port, host: config.host }));
  } catch (error) {
    // Structured, like every line after it: the database's reason, never its password.
    logger.error('LeFlux failed to start', error);
    process.exit(1);
  }
  logger.info(`LeFlux listening on ${url}${config.demo ? ` (demo: ${url}/)` : ''}`, { url });

  let stopping = false;
  const stop = (signal: string) => {
    // A second signal means the operator does not want to wait.
    if (stopping) process.exit(1);
    stopping = true;
    logger.info(`${signal} received, closing`, { signal });
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('error while closing', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

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

import { ConfigError, loadConfig } from './config.js';
import { createLeFluxServer } from './server.js';

/** `npm start`: the server from the environment, with the demo on unless `LEFLUX_DEMO=off`. */
async function main(): Promise<void> {
  const config = loadConfig(process.env, { demo: true });
  const server = await createLeFluxServer(config);
  const { url } = await server.listen({ port: config.port, host: config.host });
  console.log(`LeFlux listening on ${url}${config.demo ? ` (demo: ${url}/)` : ''}`);

  let stopping = false;
  const stop = (signal: string) => {
    // A second signal means the operator does not want to wait.
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`LeFlux: ${signal} received, closing`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('LeFlux: error while closing', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    // A configuration mistake is the operator's to fix: the message is enough, no stack.
    console.error(`LeFlux: ${error.message}`);
  } else {
    console.error('LeFlux failed to start:', error);
  }
  process.exit(1);
});

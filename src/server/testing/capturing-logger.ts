import type { Logger } from '../logger.js';

/**
 * A logger that keeps the messages it is given, for tests that assert on what was reported.
 *
 * @example const { logger, errors } = capturingLogger();
 */
export function capturingLogger() {
  const errors: string[] = [];
  const warnings: string[] = [];
  const infos: string[] = [];
  const logger: Logger = {
    info: (message) => void infos.push(message),
    warn: (message) => void warnings.push(message),
    error: (message) => void errors.push(message),
  };
  return { logger, errors, warnings, infos };
}

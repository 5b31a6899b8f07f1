/** `LOG_LEVEL` values, most severe first; `silent` writes nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Where the server reports what it cannot throw: log write failures, agent errors,
 * handler crashes. An interface so tests can capture or silence it.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string, error?: unknown): void;
  error(message: string, error?: unknown): void;
}

/** Writes to stderr/stdout with a `[leflux]` prefix. */
export const consoleLogger: Logger = {
  info: (message) => console.log(`[leflux] ${message}`),
  warn: (message, error) => console.warn(`[leflux] ${message}`, ...(error ? [error] : [])),
  error: (message, error) => console.error(`[leflux] ${message}`, ...(error ? [error] : [])),
};

/** Drops everything; for tests that do not assert on logging. */
export const silentLogger: Logger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};

import { loadOptional, PINO } from './optional-dependency.js';
import { createRedaction } from './redaction.js';

/** `LOG_LEVEL` values, most severe first; `silent` writes nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Structured context for a log line (`{ sessionId, port }`); redacted like everything else. */
export type LogFields = Record<string, unknown>;

/**
 * Where the server reports what it cannot throw: log write failures, agent errors,
 * handler crashes. An interface so tests can capture or silence it.
 */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, error?: unknown, fields?: LogFields): void;
  error(message: string, error?: unknown, fields?: LogFields): void;
}

/** Writes to stderr/stdout with a `[leflux]` prefix. */
export const consoleLogger: Logger = {
  info: (message, fields) => console.log(`[leflux] ${message}`, ...(fields ? [fields] : [])),
  warn: (message, error, fields) =>
    console.warn(`[leflux] ${message}`, ...(error ? [error] : []), ...(fields ? [fields] : [])),
  error: (message, error, fields) =>
    console.error(`[leflux] ${message}`, ...(error ? [error] : []), ...(fields ? [fields] : [])),
};

/** Drops everything; for tests that do not assert on logging. */
export const silentLogger: Logger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};

export interface JsonLoggerOptions {
  /** The least severe level written. Default `info`. */
  level?: LogLevel;
  /**
   * Values never written, wherever they appear (messages, stacks, fields): the admin key, the
   * API key, the database password... Unset entries are ignored.
   */
  secrets?: readonly (string | undefined)[];
  /** Where the lines go. Default stdout. */
  destination?: { write(line: string): void };
}

/**
 * The server's logger: one JSON object per line on stdout (pino), for log collectors.
 * `{ level: "error", time, pid, hostname, msg, err: { type, message, stack, ... }, ...fields }`.
 * Session tokens, keys and secrets, and visitors' contact details are redacted from every
 * line, wherever they appear (see `redaction.ts`).
 *
 * @example
 * const logger = createJsonLogger({ level: config.logLevel, secrets: [config.adminKey] });
 * logger.error('agent failed to answer', error, { sessionId });
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const { level = 'info', secrets = [], destination } = options;
  // pino is an optional dependency of the package (the browser SDK needs none of the server's).
  const { pino } = loadOptional<typeof import('pino')>(PINO);
  const redact = createRedaction(secrets);
  const base = pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      // "level": "warn" reads better than pino's 40 wherever the lines end up.
      formatters: { level: (label) => ({ level: label }) },
      // Errors arrive already serialized (and redacted) by `redact.value`: pino's own `err`
      // serializer would take that plain object for an error again and call it an Object.
      serializers: { err: (value: unknown) => value },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
  const line = (
    method: 'info' | 'warn' | 'error',
    message: string,
    error: unknown,
    fields: LogFields | undefined,
  ) => {
    if (!base.isLevelEnabled(method)) return;
    const object = (fields ? redact.value(fields) : {}) as Record<string, unknown>;
    if (error !== undefined) object.err = redact.value(error);
    base[method](object, redact.text(message));
  };
  return {
    info: (message, fields) => line('info', message, undefined, fields),
    warn: (message, error, fields) => line('warn', message, error, fields),
    error: (message, error, fields) => line('error', message, error, fields),
  };
}

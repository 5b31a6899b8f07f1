/** Thrown for an invalid environment variable; `main` prints its message and exits 1. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  override readonly name: string = 'ConfigError';

  constructor(
    /** The environment variable at fault. */
    readonly variable: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

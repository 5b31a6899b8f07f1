import type { ErrorCode } from '../../protocol/index.js';

/**
 * A request a session service refuses, with the stable code the adapters answer with (HTTP
 * status, socket ack) and `LeFluxServer.post` rejects with. A session that does not exist is
 * the store's `SessionNotFoundError` (code `session_not_found`).
 *
 * @example throw new SessionError('unauthorized', 'the token does not match this session');
 */
export class SessionError extends Error {
  override readonly name = 'SessionError';

  constructor(
    readonly code: Extract<
      ErrorCode,
      'invalid_payload' | 'unauthorized' | 'origin_not_allowed' | 'rate_limited'
    >,
    message: string,
    /** Whole seconds to wait before trying again (`rate_limited`). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/**
 * Too many attempts from one client (wrong admin keys): answered 429 `rate_limited` with
 * `Retry-After`.
 */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  readonly code = 'rate_limited';

  constructor(
    message: string,
    /** When the client may try again. */
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

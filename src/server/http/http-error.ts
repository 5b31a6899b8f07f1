import type { ServerResponse } from 'node:http';
import { type ErrorCode, errorBody } from '../../protocol/index.js';
import { sendJson } from './json-response.js';

/**
 * An error a route throws to answer with a status and a stable code; renders itself as
 * `{ error: { code, message } }`. Anything else thrown becomes a 500 `internal`.
 *
 * @example
 * throw new HttpError(404, 'session_not_found', `session ${id} does not exist or was evicted`);
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, e.g. `connection: close` after an oversized body. */
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
    /** Whole seconds to wait before trying again (with `Retry-After`), in the body too. */
    readonly retryAfter?: number,
  ) {
    super(message, options);
  }

  render(res: ServerResponse): void {
    sendJson(res, this.status, errorBody(this.code, this.message, this.retryAfter), this.headers);
  }
}

/** Stable error codes seen by clients of the HTTP API and the socket events. */
export type ErrorCode =
  | 'invalid_payload'
  | 'invalid_json'
  | 'body_too_large'
  | 'not_found'
  | 'session_not_found'
  | 'unauthorized'
  | 'not_bound'
  /** Too many requests of one kind (per address or per session): try again after `retryAfter`. */
  | 'rate_limited'
  /** This server node holds as many live sessions as it may: a new one can start after `retryAfter`. */
  | 'server_full'
  /** `identify({ userId, userHash })`: the hash is not the site's HMAC of the user id. */
  | 'invalid_identity'
  /** The site restricts which web origins may use its sessions, and this one is not listed. */
  | 'origin_not_allowed'
  /** A dashboard request that changes something came from another origin, or without its CSRF token. */
  | 'csrf_failed'
  /** The server or one of its parts (store, log, widget bundle) cannot serve right now. */
  | 'unavailable'
  | 'internal';

/** The JSON shape of every error, over HTTP and in socket acks. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    /**
     * Whole seconds to wait before trying again (`rate_limited`, `server_full`); over HTTP the
     * `Retry-After` header says the same.
     */
    retryAfter?: number;
  };
}

export function errorBody(code: ErrorCode, message: string, retryAfter?: number): ErrorBody {
  return { error: retryAfter === undefined ? { code, message } : { code, message, retryAfter } };
}

/** Stable error codes seen by clients of the HTTP API and the socket events. */
export type ErrorCode =
  | 'invalid_payload'
  | 'invalid_json'
  | 'body_too_large'
  | 'not_found'
  | 'session_not_found'
  | 'unauthorized'
  | 'not_bound'
  | 'rate_limited'
  /** The site restricts which web origins may use its sessions, and this one is not listed. */
  | 'origin_not_allowed'
  /** A dashboard request that changes something came from another origin, or without its CSRF token. */
  | 'csrf_failed'
  /** The server or one of its parts (store, log, widget bundle) cannot serve right now. */
  | 'unavailable'
  | 'internal';

/** The JSON shape of every error, over HTTP and in socket acks. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

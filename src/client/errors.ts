/** Codes of the errors the client reports through its `error` event. */
export type ClientErrorCode =
  | 'invalid_message'
  | 'send_failed'
  | 'storage_failed'
  | 'restore_failed'
  | 'connect_failed'
  | 'purge_failed'
  | 'invalid_contact'
  /** `identify()`: a malformed `userId` / `userHash`, or a hash the server refused. */
  | 'invalid_identity'
  | 'origin_not_allowed';

/** An error the client emits (async failures are events, not throws). */
export class LeFluxError extends Error {
  override readonly name = 'LeFluxError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

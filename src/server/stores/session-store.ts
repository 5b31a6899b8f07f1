import type { ChatMessage } from '../../protocol/index.js';

/** A live session as the store reports it; the history is read separately (it can be long). */
export interface SessionRecord {
  id: string;
  siteKey: string;
  /** Secret the session's owner presents to restore, resume or purge it. */
  token: string;
  visitorId?: string;
  createdAt: number;
  /** Last visitor message or action result. Connects, pings and restores never move it. */
  lastActiveAt: number;
  /** Sequence number the next stored message gets; starts at 1. */
  nextSeq: number;
  /** The socket currently allowed to speak for the session (one per session, newer wins). */
  boundSocket?: string;
  /** The page the visitor was last seen on. */
  url?: string;
  title?: string;
}

/** A session with its history, as a store keeps it. */
export interface StoredSession extends SessionRecord {
  /** Ascending by `seq`, at most `LIMITS.maxHistory` (oldest dropped first). */
  messages: ChatMessage[];
}

export interface AppendResult {
  seq: number;
  /** True when the session already held a message with this id; nothing was stored. */
  duplicate: boolean;
}

/** Thrown by operations that need a live session when it is unknown or was evicted. */
export class SessionNotFoundError extends Error {
  readonly code = 'session_not_found';
  override readonly name = 'SessionNotFoundError';

  constructor(readonly sessionId: string) {
    super(`session ${sessionId} does not exist or was evicted`);
  }
}

/**
 * Live sessions. Async so a Redis implementation can follow with the same callers.
 *
 * Idle expiry is decided from `lastActiveAt` on every access (an expired session reads as
 * absent and is deleted) plus `sweep`, never from timers alone. Operations that need the
 * session throw `SessionNotFoundError` when it is absent.
 */
export interface SessionStore {
  /** Creates a session with a fresh id and token. */
  create(siteKey: string, visitorId?: string): Promise<SessionRecord>;
  /** The session, or undefined when unknown or idle-expired (which also deletes it). */
  get(id: string): Promise<SessionRecord | undefined>;
  /** Stores a message with the next seq; a message id seen before returns its first seq. */
  appendMessage(sessionId: string, message: Omit<ChatMessage, 'seq'>): Promise<AppendResult>;
  /** Messages with a seq greater than `seq`, ascending. `0` gives the whole history. */
  messagesAfter(sessionId: string, seq: number): Promise<ChatMessage[]>;
  /** Records visitor activity (a message or an action result) at `now`. */
  touch(sessionId: string, now: number): Promise<void>;
  /** Remembers the visitor's current page. Not activity. */
  setPage(sessionId: string, page: { url: string; title?: string }): Promise<void>;
  /** Binds the socket to the session; returns the socket that held it before, if another did. */
  bind(sessionId: string, socketId: string): Promise<string | undefined>;
  /** Unbinds only if the session is still bound to this socket; true when it was. */
  unbind(sessionId: string, socketId: string): Promise<boolean>;
  /** Removes the session; true when it existed. */
  delete(id: string): Promise<boolean>;
  /** Evicts every session idle at `now`; returns the evicted ids. */
  sweep(now: number): Promise<string[]>;
  /** Resolves when the store answers; for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

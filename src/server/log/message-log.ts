import type { Author } from '../../protocol/index.js';

/** One row of the message log: what the site's dashboard reads. */
export interface MessageLogEntry {
  sessionId: string;
  siteKey: string;
  messageId: string;
  author: Author;
  text: string;
  at: number;
  seq: number;
  /** The page the visitor was on. */
  url?: string;
}

/**
 * Durable record of conversations for the dashboard, separate from live sessions.
 * Appends are idempotent per (sessionId, messageId). Implementations report failures by
 * rejecting; callers on the chat path catch them, since logging must never break chat.
 */
export interface MessageLog {
  append(entry: MessageLogEntry): Promise<void>;
  /** The session's entries, ascending by seq. */
  listSession(sessionId: string): Promise<MessageLogEntry[]>;
  /** Deletes the session's entries; returns how many there were. */
  purgeSession(sessionId: string): Promise<number>;
  /** Resolves when the log answers; for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The log used with `LEFLUX_MESSAGE_LOG=off`: keeps nothing, always healthy. */
export function createDisabledMessageLog(): MessageLog {
  return {
    append: async () => {},
    listSession: async () => [],
    purgeSession: async () => 0,
    ping: async () => {},
    close: async () => {},
  };
}

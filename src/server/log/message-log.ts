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
  /** The author's name an operator's message carries (`ChatMessage.name`). */
  name?: string;
}

/**
 * Durable record of conversations for the dashboard, separate from live sessions.
 * Appends are idempotent per (sessionId, seq): the store gives each accepted message its seq
 * once and never passes a resend on, so a repeated (session, seq) is a retried write. Implementations report failures by
 * rejecting; callers on the chat path catch them, since logging must never break chat.
 */
export interface MessageLog {
  /**
   * Records an entry. May resolve once the entry is queued for a batched write; reads,
   * purges, `flush()` and `close()` still see it.
   */
  append(entry: MessageLogEntry): Promise<void>;
  /** Writes queued appends now; resolves once they are stored. */
  flush(): Promise<void>;
  /** The session's entries, ascending by seq (queued appends included). */
  listSession(sessionId: string): Promise<MessageLogEntry[]>;
  /** Deletes the session's entries, queued appends included; returns how many there were. */
  purgeSession(sessionId: string): Promise<number>;
  /** Resolves when the log answers; for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The log used with `LEFLUX_MESSAGE_LOG=off`: keeps nothing, always healthy. */
export function createDisabledMessageLog(): MessageLog {
  return {
    append: async () => {},
    flush: async () => {},
    listSession: async () => [],
    purgeSession: async () => 0,
    ping: async () => {},
    close: async () => {},
  };
}

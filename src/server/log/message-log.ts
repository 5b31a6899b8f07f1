import type { Author, SessionIdentity } from '../../protocol/index.js';
import type { Logger } from '../logger.js';

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
  /**
   * On a visitor's message: who the site said the visitor was when they wrote it
   * (`identify({ userId, userHash })`), and whether the server verified it.
   */
  identity?: SessionIdentity;
}

/** One conversation as the dashboard lists it: what the log knows of a session. */
export interface LoggedSession {
  sessionId: string;
  siteKey: string;
  /** The session's first and newest logged message. */
  startedAt: number;
  lastAt: number;
  /** Every logged message of the session (not only those in the range asked for). */
  messages: number;
  /** The page of the session's newest message that names one. */
  url?: string;
}

/** A site's log over a time range: `from` included, `to` excluded (ms since 1970). */
export interface LogRange {
  siteKey: string;
  from: number;
  to: number;
}

/** Which sessions `listSessions` returns, and which page of them. */
export interface SessionQuery extends LogRange {
  /**
   * Only sessions with a message in the range whose text contains this (case-insensitive for
   * ASCII letters everywhere; PostgreSQL folds other letters too), or whose id is exactly it.
   */
  search?: string;
  /** At most this many sessions (1-1000). */
  limit: number;
  /** Skipped first. Default 0. */
  offset?: number;
}

/** Conversations and messages of one day (in the offset asked for). */
export interface DailyCount {
  /** Days since 1970-01-01 in that offset: `new Date(day * 86_400_000)` is its midnight UTC. */
  day: number;
  /** Sessions with at least one message that day. */
  conversations: number;
  messages: number;
}

/** Where a range export goes on from: the last entry of the previous page. */
export type RangeCursor = Pick<MessageLogEntry, 'at' | 'sessionId' | 'seq'>;

export interface AppendOptions {
  /** Resolve once the entry is written (with its batch), not merely queued. Default false. */
  durable?: boolean;
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
   * purges, `flush()` and `close()` still see it. With `durable`, resolves once its batch is
   * written (on the usual schedule: the batch delay at most), so that what a node acknowledged
   * survives the node (SIGKILL); while the storage refuses writes it resolves once queued, as
   * without (chat must not wait for a database that is down).
   */
  append(entry: MessageLogEntry, options?: AppendOptions): Promise<void>;
  /** Writes queued appends now; resolves once they are stored. */
  flush(): Promise<void>;
  /** The session's entries, ascending by seq (queued appends included). */
  listSession(sessionId: string): Promise<MessageLogEntry[]>;
  /** Deletes the session's entries, queued appends included; returns how many there were. */
  purgeSession(sessionId: string): Promise<number>;
  /**
   * Sessions with a message in the range (and matching `search`), newest activity first (ties
   * by session id), with how many there are in all.
   */
  listSessions(query: SessionQuery): Promise<{ sessions: LoggedSession[]; total: number }>;
  /**
   * Per day of the range, counted in local days `utcOffsetMinutes` east of UTC (default 0):
   * only days with messages, ascending.
   */
  dailyCounts(range: LogRange & { utcOffsetMinutes?: number }): Promise<DailyCount[]>;
  /**
   * The range's entries ascending by (at, sessionId, seq), `limit` at a time: pass the last
   * entry of a page as `after` for the next one. For exports.
   */
  listRange(range: LogRange & { limit: number; after?: RangeCursor }): Promise<MessageLogEntry[]>;
  /** Deletes the site's entries older than `before` (retention); returns how many. */
  deleteBefore(siteKey: string, before: number): Promise<number>;
  /** The site keys that have entries, ascending. */
  sites(): Promise<string[]>;
  /** Resolves when the log answers; for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * How a log that batches its appends (SQLite, PostgreSQL) behaves. Appends are queued and
 * written together, one transaction per batch: one commit per message cost the chat path more
 * than everything else together, and chat never waits for the database.
 */
export interface MessageLogBatchOptions {
  /**
   * Longest an appended row waits in memory before its batch is written, and the shortest time
   * between two batches: a durable append on a quiet log is written at once. Default 20 ms.
   */
  flushDelayMs?: number;
  /** A queue this long is written at once, without waiting for the delay. Default 500 rows. */
  maxBatchRows?: number;
  /**
   * Rows kept (queued or being written) while the database refuses writes (they are retried);
   * past this, `append` rejects instead of growing memory without bound. Default 100,000.
   */
  maxQueuedRows?: number;
  /** Wait before retrying a batch the database refused. Default 1 s. */
  retryDelayMs?: number;
  /** Where refused batches are reported. Default `consoleLogger`. */
  logger?: Logger;
  /**
   * Runs `task` after `ms` and returns a function that cancels it. Default: a `setTimeout` that
   * does not keep the process alive (`close()` writes what is queued). Tests run it by hand.
   */
  schedule?: (task: () => void, ms: number) => () => void;
  /** The clock of that timing, in ms. Default `performance.now()`. Tests fake it. */
  now?: () => number;
}

/** `MessageLogBatchOptions.schedule`'s default. */
export const unrefTimeout = (task: () => void, ms: number): (() => void) => {
  const timer = setTimeout(task, ms);
  // Queued rows alone must not keep the process alive; close() writes them.
  timer.unref();
  return () => clearTimeout(timer);
};

/** The log used with `LEFLUX_MESSAGE_LOG=off`: keeps nothing, always healthy. */
export function createDisabledMessageLog(): MessageLog {
  return {
    append: async () => {},
    flush: async () => {},
    listSession: async () => [],
    purgeSession: async () => 0,
    listSessions: async () => ({ sessions: [], total: 0 }),
    dailyCounts: async () => [],
    listRange: async () => [],
    deleteBefore: async () => 0,
    sites: async () => [],
    ping: async () => {},
    close: async () => {},
  };
}

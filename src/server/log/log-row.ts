import type { Author } from '../../protocol/index.js';
import type { LoggedSession, MessageLogEntry } from './message-log.js';

/**
 * A message row as both logs read it. Integers arrive as numbers from SQLite and as strings
 * from PostgreSQL (pg will not guess whether a BIGINT or a COUNT fits a JS number).
 */
export interface MessageRow {
  session_id: string;
  site_key: string;
  message_id: string;
  author: string;
  text: string;
  at: number | string;
  seq: number | string;
  url: string | null;
  name: string | null;
  user_id: string | null;
  /** 1 or 0 from SQLite, a boolean from PostgreSQL. */
  user_verified: number | boolean | null;
}

/** A session summary row of the dashboard's queries. */
export interface SessionRow {
  session_id: string;
  site_key: string;
  started_at: number | string;
  last_at: number | string;
  messages: number | string;
  url: string | null;
}

export function toEntry(row: MessageRow): MessageLogEntry {
  const entry: MessageLogEntry = {
    sessionId: row.session_id,
    siteKey: row.site_key,
    messageId: row.message_id,
    // Only the server writes these tables, always with a valid Author.
    author: row.author as Author,
    text: row.text,
    at: Number(row.at),
    seq: Number(row.seq),
  };
  if (row.url !== null) entry.url = row.url;
  if (row.name !== null) entry.name = row.name;
  if (row.user_id !== null) {
    entry.identity = { userId: row.user_id, verified: Boolean(row.user_verified) };
  }
  return entry;
}

export function toSession(row: SessionRow): LoggedSession {
  const session: LoggedSession = {
    sessionId: row.session_id,
    siteKey: row.site_key,
    startedAt: Number(row.started_at),
    lastAt: Number(row.last_at),
    messages: Number(row.messages),
  };
  if (row.url !== null) session.url = row.url;
  return session;
}

/**
 * The dashboard's wire types (`/dashboard/api/*` and the `/dashboard` socket.io namespace),
 * shared by the server and the dashboard app. Not exported from `index.ts`: nothing of it may
 * reach the widget's bundle.
 */
import type { ContactDetails } from './contact.js';
import type { Author } from './messages.js';

/** `GET /dashboard/api/me` and the sign-in answer: who is signed in, for which sites. */
export interface OperatorSession {
  /** The site keys this key may see; `all` with `LEFLUX_ADMIN_KEY` (then `sites` lists those known). */
  scope: 'all' | 'sites';
  sites: string[];
  /** Sent back as `X-LeFlux-CSRF` on every state-changing request. */
  csrf: string;
  expiresAt: number;
}

/** A conversation in the dashboard's list. */
export interface InboxSession {
  sessionId: string;
  startedAt: number;
  lastAt: number;
  messages: number;
  /** The visitor's current page while the session is live, else the last page logged. */
  url?: string;
  /** The session is live: in the server's store, not evicted or purged. */
  live: boolean;
  /** Connected now: a tab holds the session's socket. */
  connected: boolean;
  visitor: InboxVisitor;
  /** Set while an operator has taken the conversation over (the agent is silent). */
  takeover?: Takeover;
}

/**
 * The visitor as the server knows them. Contact details live and die with the live session, so
 * an ended conversation shows `unknown`, or the user id the log kept (`identify()`).
 */
export interface InboxVisitor {
  kind: 'anonymous' | 'identified' | 'unknown';
  /**
   * The site vouched for `userId` (`identify({ userId, userHash })` with the right HMAC of the
   * site's `identitySecret`). False for contact details and unverified user ids.
   */
  verified: boolean;
  contact?: ContactDetails;
  /** The user id the site gave with `identify()`, verified or not. */
  userId?: string;
}

export interface Takeover {
  /** The operator's name, as they entered it. */
  by: string;
  at: number;
}

/** `GET /dashboard/api/sites/:site/sessions` */
export interface SessionPage {
  sessions: InboxSession[];
  total: number;
  offset: number;
  limit: number;
}

/** A message of a transcript (from the log, or the live history when the site keeps no log). */
export interface TranscriptMessage {
  id: string;
  author: Author;
  text: string;
  at: number;
  seq: number;
  /** The page the message was written on (visitor) or answered on (agent). */
  url?: string;
  /** An operator's name. */
  name?: string;
}

/** `GET /dashboard/api/sites/:site/sessions/:id` */
export interface ConversationView {
  session: InboxSession;
  messages: TranscriptMessage[];
  /** The pages of the conversation in the order first seen, with when. */
  pages: { url: string; at: number }[];
}

/** Conversations and messages of one day; `day` is `YYYY-MM-DD` in the offset asked for. */
export interface DayCount {
  day: string;
  conversations: number;
  messages: number;
}

/** `GET /dashboard/api/sites/:site/stats`: every day of the range, zeros included. */
export interface SiteStats {
  days: DayCount[];
  conversations: number;
  messages: number;
}

/**
 * A site's privacy settings as the dashboard shows and saves them. They start from `LEFLUX_SITES`
 * (and the env defaults); what the dashboard saves wins from then on.
 */
export interface PrivacySettings {
  /** Browser lifetime of the conversation records, in hours (1 minute to 24). */
  sessionHours: number;
  /** The server evicts a session idle this long, in minutes (1 second to ~24.8 days). */
  idleMinutes: number;
  /** Keep the site's messages in the log. */
  messageLog: boolean;
  /** Log rows older than this many days are deleted (daily); null: kept until purged. */
  retentionDays: number | null;
}

/** The bounds every privacy setting is checked against, wherever it comes from. */
export const PRIVACY_LIMITS = {
  sessionHours: { min: 1 / 60, max: 24 },
  idleMinutes: { min: 1 / 60, max: 2_147_483_647 / 60_000 },
  retentionDays: { min: 1, max: 3650 },
} as const;

/** What happened in a site, pushed to its dashboards (`news` on the `/dashboard` namespace). */
export type InboxNews =
  | { type: 'message'; sessionId: string; message: TranscriptMessage }
  /** The session started, or its page, connection or takeover changed. */
  | { type: 'session'; sessionId: string }
  /** The session was purged or evicted. */
  | { type: 'ended'; sessionId: string };

/** The `/dashboard` namespace's events, server to dashboard. */
export interface DashboardServerEvents {
  news(news: InboxNews): void;
}

/** The dashboard sends nothing on its socket: it acts through the HTTP API. */
export type DashboardClientEvents = Record<string, never>;

type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const within = (v: unknown, { min, max }: { min: number; max: number }): v is number =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;

/**
 * Checks privacy settings (a `PUT` body, or a row read back from the settings table): every
 * field present, within `PRIVACY_LIMITS`, nothing else.
 */
export function validatePrivacySettings(input: unknown): Checked<PrivacySettings> {
  if (!isObject(input)) return { ok: false, message: 'settings must be a JSON object' };
  const known = ['sessionHours', 'idleMinutes', 'messageLog', 'retentionDays'];
  const unknown = Object.keys(input).find((key) => !known.includes(key));
  if (unknown !== undefined) return { ok: false, message: `unknown setting ${unknown}` };
  const { sessionHours, idleMinutes, messageLog, retentionDays } = input;
  const { sessionHours: h, idleMinutes: m, retentionDays: d } = PRIVACY_LIMITS;
  if (!within(sessionHours, h)) {
    return { ok: false, message: `sessionHours must be a number from 1/60 (a minute) to ${h.max}` };
  }
  if (!within(idleMinutes, m)) {
    return { ok: false, message: 'idleMinutes must be a number from 1/60 (a second) to 35791' };
  }
  if (typeof messageLog !== 'boolean')
    return { ok: false, message: 'messageLog must be a boolean' };
  if (retentionDays !== null && !(Number.isInteger(retentionDays) && within(retentionDays, d))) {
    return {
      ok: false,
      message: `retentionDays must be null or a whole number from ${d.min} to ${d.max}`,
    };
  }
  return {
    ok: true,
    value: { sessionHours, idleMinutes, messageLog, retentionDays: retentionDays as number | null },
  };
}

const AUTHORS: readonly Author[] = ['visitor', 'agent', 'system'];
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Checks a `news` event as the dashboard receives it; anything else is ignored. */
export function validateInboxNews(input: unknown): Checked<InboxNews> {
  if (!isObject(input) || typeof input.sessionId !== 'string' || !ID.test(input.sessionId)) {
    return { ok: false, message: 'news must name a session' };
  }
  const { sessionId } = input;
  if (input.type === 'session' || input.type === 'ended') {
    return { ok: true, value: { type: input.type, sessionId } };
  }
  if (input.type !== 'message' || !isObject(input.message)) {
    return { ok: false, message: 'unknown news' };
  }
  const m = input.message;
  if (
    typeof m.id !== 'string' ||
    !AUTHORS.includes(m.author as Author) ||
    typeof m.text !== 'string' ||
    !Number.isSafeInteger(m.at) ||
    !Number.isSafeInteger(m.seq) ||
    (m.url !== undefined && typeof m.url !== 'string') ||
    (m.name !== undefined && typeof m.name !== 'string')
  ) {
    return { ok: false, message: 'news message is malformed' };
  }
  const message: TranscriptMessage = {
    id: m.id,
    author: m.author as Author,
    text: m.text,
    at: m.at as number,
    seq: m.seq as number,
  };
  if (typeof m.url === 'string') message.url = m.url;
  if (typeof m.name === 'string') message.name = m.name;
  return { ok: true, value: { type: 'message', sessionId, message } };
}

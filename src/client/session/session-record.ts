import {
  type ClientRetention,
  type ContactDetails,
  validateRetention,
} from '../../protocol/index.js';
import type { SessionRecord, SessionRecords } from '../storage/session-records.js';
import type { Session } from './session.js';

/*
 * `leflux:sessionId`: the server session this browser continues, its token, and how long the
 * browser keeps the conversation: 24 h from the last write, whatever the server does. Read
 * fresh each time: other tabs write it too.
 */

/** The record, live or ended: while it exists, the cached conversation is kept. */
export function storedRecord(s: Session): SessionRecord | undefined {
  const record = s.records.session.read();
  return record?.siteKey === s.siteKey ? record : undefined;
}

/** The record of a session the server still has (as far as this browser knows). */
export function liveRecord(s: Session): SessionRecord | undefined {
  const record = storedRecord(s);
  return record?.endedAt === undefined ? record : undefined;
}

/**
 * A session bound here: written with a fresh TTL (`created`: the server just made it). Tells
 * the state and the other tabs when the id is new.
 */
export function saveRecord(s: Session, id: string, token: string, created: boolean): void {
  const previous = liveRecord(s);
  const at = s.now();
  const record: SessionRecord = {
    ...(previous?.id === id ? previous : undefined),
    id,
    token,
    siteKey: s.siteKey,
    savedAt: at,
  };
  const lastAction = s.activity.lastAction();
  if (created) record.startedAt = at;
  if (lastAction !== undefined)
    record.lastActiveAt = Math.max(lastAction, record.lastActiveAt ?? 0);
  s.records.session.write(record);
  s.store.setState({ sessionId: id });
  if (created) {
    const user = s.records.user.read();
    if (user?.firstSessionAt === undefined) s.records.user.write({ ...user, firstSessionAt: at });
  }
  if (previous?.id !== id) {
    s.activity.sessionStarted(at);
    s.tabs.post({ type: 'session', sessionId: id });
  }
}

/** Read-modify-write of the live record, so tabs writing at once do not undo each other. */
export function updateRecord(
  s: Session,
  patch: (current: SessionRecord) => Partial<SessionRecord>,
): void {
  const current = liveRecord(s);
  if (current) s.records.session.write({ ...current, ...patch(current), savedAt: s.now() });
}

/**
 * The server no longer has the session (evicted, restarted): its messages stay on screen as an
 * earlier conversation, and the record stays, marked ended, until the expiry it already had.
 */
export async function sessionGone(s: Session): Promise<void> {
  s.bound = undefined;
  // Marked in the history before the record says so: a page closed in between keeps them.
  await s.cache.archive();
  const current = liveRecord(s);
  if (current) s.records.session.write({ ...current, endedAt: s.now() }, true);
  s.store.setState({ sessionId: null });
  s.tabs.post({ type: 'session', sessionId: null });
}

/** The site's record lifetimes (see `createRetention`). */
export interface Retention {
  get(): ClientRetention;
  /** Takes the site's retention; records written from now on, and the current ones, follow it. */
  apply(raw: unknown): void;
}

/**
 * The browser's record lifetimes, which the site's settings (from the server: `retention` in the
 * `session_init` ack and the restore body) may shorten, never extend.
 */
export function createRetention(records: SessionRecords, defaults: ClientRetention): Retention {
  let current = defaults;
  return {
    get: () => current,
    apply(raw) {
      const checked = raw === undefined ? undefined : validateRetention(raw, defaults);
      if (!checked?.ok) return;
      const next = checked.value;
      if (next.sessionTtlMs === current.sessionTtlMs && next.userTtlMs === current.userTtlMs)
        return;
      current = next;
      // Rewritten with the new expiry (never a later one), so it holds on the next load too.
      for (const record of [records.session, records.widget, records.user] as const) {
        const data = record.read();
        if (data) (record.write as (d: typeof data, keep: boolean) => void)(data, true);
      }
    },
  };
}

/** The contact fields of a stored user record. */
export function contactOf(user: ContactDetails | undefined): ContactDetails {
  const { name, email, phone } = user ?? {};
  return { ...(name ? { name } : {}), ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
}

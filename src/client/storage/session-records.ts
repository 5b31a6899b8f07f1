import { CONTACT_FIELDS, type ContactDetails, validateContact } from '../../protocol/contact.js';
import { ID_PATTERN, LIMITS } from '../../protocol/limits.js';
import { STORAGE_KEYS } from './names.js';
import type { RawStorage } from './raw-storage.js';
import { createRecord, type StoredRecord } from './records.js';

/** `leflux:sessionId`: which server session this browser continues, and the token that proves it. */
export interface SessionRecord {
  id: string;
  token: string;
  siteKey: string;
  savedAt: number;
  /** When this browser started the session. */
  startedAt?: number;
  /** Time the page was visible with this session alive, summed across page loads. */
  activeMs?: number;
  /** The visitor's last action (message, open, close, contact details). */
  lastActiveAt?: number;
  /**
   * When this browser learnt that the server no longer has the session (idle eviction, restart).
   * The record stays until its own expiry: it keeps the earlier conversation on screen that long.
   */
  endedAt?: number;
}

/** `leflux:user`: what the visitor told us about themselves, and whether they had a session before. */
export interface UserRecord extends ContactDetails {
  /** When this browser first had a session (within the record's 30 days). */
  firstSessionAt?: number;
}

/** `leflux:widget`: how the visitor left the window, and what they were typing. */
export interface WidgetRecord {
  open: boolean;
  /** The composer's text not sent yet; absent when empty. */
  draft?: string;
  /** Replies that came while the window was closed; absent when none. */
  unread?: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;
/** A count as stored or told by another tab: a whole number, not absurdly large. */
export const isCount = (v: unknown): v is number =>
  Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 9_999;

function parseSession(data: unknown): SessionRecord | undefined {
  if (!isObj(data)) return undefined;
  const { id, token, siteKey, savedAt } = data;
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) return undefined;
  if (typeof token !== 'string' || !ID_PATTERN.test(token)) return undefined;
  if (typeof siteKey !== 'string' || typeof savedAt !== 'number') return undefined;
  const record: SessionRecord = { id, token, siteKey, savedAt };
  for (const key of ['startedAt', 'activeMs', 'lastActiveAt', 'endedAt'] as const) {
    const value = data[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) record[key] = value;
  }
  return record;
}

function parseUser(data: unknown): UserRecord | undefined {
  if (!isObj(data)) return undefined;
  const record: UserRecord = {};
  // Field by field: one field that no longer validates must not cost the visitor the others.
  for (const field of CONTACT_FIELDS) {
    const checked = validateContact({ [field]: data[field] });
    if (checked.ok) Object.assign(record, checked.value);
  }
  if (typeof data.firstSessionAt === 'number') record.firstSessionAt = data.firstSessionAt;
  return record;
}

function parseWidget(data: unknown): WidgetRecord | undefined {
  if (!isObj(data) || typeof data.open !== 'boolean') return undefined;
  const { draft, unread } = data;
  const record: WidgetRecord = { open: data.open };
  // A draft that no longer fits a message is dropped, not the window state with it.
  if (typeof draft === 'string' && draft !== '' && draft.length <= LIMITS.maxTextLength)
    record.draft = draft;
  if (isCount(unread) && unread > 0) record.unread = unread;
  return record;
}

export interface SessionRecords {
  session: StoredRecord<SessionRecord>;
  widget: StoredRecord<WidgetRecord>;
  user: StoredRecord<UserRecord>;
}

export function sessionRecords(options: {
  storage: RawStorage;
  now: () => number;
  sessionTtlMs: number | (() => number);
  userTtlMs: number | (() => number);
}): SessionRecords {
  const { storage, now, sessionTtlMs, userTtlMs } = options;
  return {
    session: createRecord({
      storage,
      now,
      key: STORAGE_KEYS.session,
      version: 1,
      ttlMs: sessionTtlMs,
      parse: parseSession,
    }),
    widget: createRecord({
      storage,
      now,
      key: STORAGE_KEYS.widget,
      version: 1,
      ttlMs: sessionTtlMs,
      parse: parseWidget,
    }),
    user: createRecord({
      storage,
      now,
      key: STORAGE_KEYS.user,
      version: 1,
      ttlMs: userTtlMs,
      parse: parseUser,
    }),
  };
}

import { ID_PATTERN } from '../../protocol/index.js';
import type { RawStorage } from './raw-storage.js';
import { createRecord, type StoredRecord } from './records.js';

export const STORAGE_KEYS = {
  session: 'leflux:sessionId',
  widget: 'leflux:widget',
  user: 'leflux:user',
} as const;

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** `leflux:sessionId`: which server session this browser continues, and the token that proves it. */
export interface SessionRecord {
  id: string;
  token: string;
  siteKey: string;
  savedAt: number;
}

/** `leflux:widget`: how the visitor left the window. */
export interface WidgetRecord {
  open: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;

function parseSession(data: unknown): SessionRecord | undefined {
  if (!isObj(data)) return undefined;
  const { id, token, siteKey, savedAt } = data;
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) return undefined;
  if (typeof token !== 'string' || !ID_PATTERN.test(token)) return undefined;
  if (typeof siteKey !== 'string' || typeof savedAt !== 'number') return undefined;
  return { id, token, siteKey, savedAt };
}

function parseWidget(data: unknown): WidgetRecord | undefined {
  return isObj(data) && typeof data.open === 'boolean' ? { open: data.open } : undefined;
}

export interface SessionRecords {
  session: StoredRecord<SessionRecord>;
  widget: StoredRecord<WidgetRecord>;
}

export function sessionRecords(options: {
  storage: RawStorage;
  now: () => number;
  sessionTtlMs: number;
}): SessionRecords {
  const { storage, now, sessionTtlMs } = options;
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
  };
}

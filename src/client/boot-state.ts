import { persistentStorage } from './storage/raw-storage.js';
import { DAY, sessionRecords } from './storage/session-records.js';

/**
 * What the embed needs before the client loads: is there a conversation to show at once, and did
 * the visitor leave the window open? Reads the same records the client owns, with the same rules.
 */
export function storedWidgetState(siteKey: string): {
  hasSession: boolean;
  open: boolean | undefined;
} {
  const records = sessionRecords({
    storage: persistentStorage(() => globalThis.localStorage),
    now: Date.now,
    sessionTtlMs: DAY,
    userTtlMs: 30 * DAY,
  });
  return {
    hasSession: records.session.read()?.siteKey === siteKey,
    open: records.widget.read()?.open,
  };
}

import { CLIENT_RETENTION_DEFAULTS } from '../protocol/messages.js';
import { persistentStorage } from './storage/raw-storage.js';
import { sessionRecords } from './storage/session-records.js';

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
    ...CLIENT_RETENTION_DEFAULTS,
  });
  return {
    hasSession: records.session.read()?.siteKey === siteKey,
    open: records.widget.read()?.open,
  };
}

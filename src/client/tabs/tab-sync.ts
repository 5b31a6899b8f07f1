import { type ContactDetails, validateContact } from '../../protocol/contact.js';
import { LIMITS } from '../../protocol/limits.js';
import { parseStoredMessage, type StoredMessage } from '../storage/history.js';
import { isCount } from '../storage/session-records.js';

/** What tabs of one site tell each other. Each change is announced by the tab that made (and stored) it. */
export type TabMessage =
  | { type: 'messages'; messages: StoredMessage[] }
  /** The window opened or closed, the composer's draft or the unread count changed (`leflux:widget`). */
  | { type: 'widget'; open: boolean; draft: string; unread?: number }
  | { type: 'session'; sessionId: string | null }
  | { type: 'clear' }
  /**
   * The contact details in `leflux:user` changed, to these. Carried, not re-read: another
   * tab's localStorage write reaches this tab a little after its BroadcastChannel message.
   */
  | { type: 'user'; user: ContactDetails }
  /** The agent is typing (the tab holding the socket heard `agent_typing`). */
  | { type: 'typing' }
  /** The tab is going away (closed, navigated): a tab that yielded the socket may take it back. */
  | { type: 'bye' }
  /** A tab started: the tab holding the socket says how it is (`link`). */
  | { type: 'hello' }
  /** The tab holding the socket: whether its socket is up. */
  | { type: 'link'; connected: boolean };

export interface TabSync {
  post(message: TabMessage): void;
  close(): void;
  /** `broadcast-channel`, `storage-event`, or `none` when neither works (one tab only). */
  readonly transport: 'broadcast-channel' | 'storage-event' | 'none';
}

export interface TabSyncOptions {
  siteKey: string;
  onMessage: (message: TabMessage) => void;
  /** For the storage-event fallback. Default `localStorage`. */
  localStorage?: () => Storage | undefined;
}

/** Narrows whatever arrives from another tab; unknown or malformed messages are ignored. */
export function parseTabMessage(input: unknown): TabMessage | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const m = input as Record<string, unknown>;
  switch (m.type) {
    case 'messages': {
      if (!Array.isArray(m.messages)) return undefined;
      const messages = m.messages
        .map(parseStoredMessage)
        .filter((x): x is StoredMessage => x !== undefined);
      return { type: 'messages', messages };
    }
    case 'widget':
      return typeof m.open === 'boolean' && typeof m.draft === 'string'
        ? {
            type: 'widget',
            open: m.open,
            draft: m.draft.slice(0, LIMITS.maxTextLength),
            // None from a tab of an older version: the count stays what it is here.
            ...(isCount(m.unread) ? { unread: m.unread } : {}),
          }
        : undefined;
    case 'link':
      return typeof m.connected === 'boolean'
        ? { type: 'link', connected: m.connected }
        : undefined;
    case 'session':
      return typeof m.sessionId === 'string' || m.sessionId === null
        ? { type: 'session', sessionId: m.sessionId }
        : undefined;
    case 'user': {
      const checked = validateContact(m.user);
      return checked.ok ? { type: 'user', user: checked.value } : undefined;
    }
    case 'clear':
    case 'typing':
    case 'bye':
    case 'hello':
      return { type: m.type };
    default:
      return undefined;
  }
}

/**
 * Connects the tabs of one site (`leflux:<siteKey>`) over BroadcastChannel; where that is missing,
 * over `storage` events on a localStorage key. No server round trip either way.
 *
 * @example const tabs = createTabSync({ siteKey: 'acme', onMessage: (m) => console.log(m) });
 */
export function createTabSync(options: TabSyncOptions): TabSync {
  const name = `leflux:${options.siteKey}`;
  const deliver = (data: unknown) => {
    const message = parseTabMessage(data);
    if (message) options.onMessage(message);
  };

  if (typeof BroadcastChannel === 'function') {
    const channel = new BroadcastChannel(name);
    channel.onmessage = (event) => deliver(event.data);
    return {
      transport: 'broadcast-channel',
      post: (message) => channel.postMessage(message),
      close: () => channel.close(),
    };
  }

  let storage: Storage | undefined;
  try {
    storage = (options.localStorage ?? (() => globalThis.localStorage))();
  } catch {
    storage = undefined;
  }
  if (!storage || typeof addEventListener !== 'function') {
    return { transport: 'none', post: () => {}, close: () => {} };
  }
  // Each write must differ from the last for a `storage` event to fire: add a counter and a tab id.
  const key = `${name}:bus`;
  const tabId = Math.random().toString(36).slice(2);
  let counter = 0;
  const onStorage = (event: StorageEvent) => {
    if (event.key !== key || !event.newValue) return;
    try {
      const envelope = JSON.parse(event.newValue) as { from?: string; message?: unknown };
      if (envelope.from !== tabId) deliver(envelope.message);
    } catch {
      // Not ours or truncated: ignore.
    }
  };
  addEventListener('storage', onStorage);
  const local = storage;
  return {
    transport: 'storage-event',
    post(message) {
      try {
        local.setItem(key, JSON.stringify({ from: tabId, n: counter++, message }));
      } catch {
        // Storage full or gone: other tabs catch up from IndexedDB on their next load.
      }
    },
    close: () => removeEventListener('storage', onStorage),
  };
}

import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import { type ChatMessage, validateChatMessage } from '../../protocol/index.js';

export type DeliveryStatus = 'pending' | 'sent' | 'failed';

/** A message as this browser keeps it: the wire message plus where it belongs and how far it got. */
export interface StoredMessage extends ChatMessage {
  siteKey: string;
  /** Server session it was sent in; absent while a pending message waits for its first session. */
  sessionId?: string;
  status: DeliveryStatus;
  /** Set when its session ended on the server (evicted, restarted): shown as an earlier conversation. */
  archivedAt?: number;
}

/** The message history of one browser profile, per site. Pending visitor messages double as the outbox. */
export interface HistoryStore {
  load(siteKey: string): Promise<StoredMessage[]>;
  put(messages: readonly StoredMessage[]): Promise<void>;
  clear(siteKey: string): Promise<void>;
  close(): void;
  /** False for the in-memory fallback. */
  readonly persistent: boolean;
}

interface LeFluxDB extends DBSchema {
  messages: { key: string; value: StoredMessage; indexes: { bySite: string } };
}

const DB_NAME = 'leflux';
const DB_VERSION = 1;

/** Display order: earlier conversations first (oldest archive first), then by server sequence, pending last. */
export function compareMessages(a: StoredMessage, b: StoredMessage): number {
  const archive = (a.archivedAt ?? Infinity) - (b.archivedAt ?? Infinity);
  if (archive) return archive;
  const seq = (a.seq ?? Infinity) - (b.seq ?? Infinity);
  if (seq) return seq;
  return a.at - b.at;
}

const STATUSES: readonly DeliveryStatus[] = ['pending', 'sent', 'failed'];

/** Narrows a record read back from IndexedDB; anything malformed is dropped rather than rendered. */
export function parseStoredMessage(input: unknown): StoredMessage | undefined {
  const base = validateChatMessage(input);
  if (!base.ok) return undefined;
  const rec = input as Partial<StoredMessage>;
  if (typeof rec.siteKey !== 'string' || !STATUSES.includes(rec.status as DeliveryStatus))
    return undefined;
  if (rec.sessionId !== undefined && typeof rec.sessionId !== 'string') return undefined;
  if (rec.archivedAt !== undefined && typeof rec.archivedAt !== 'number') return undefined;
  return {
    ...base.value,
    siteKey: rec.siteKey,
    status: rec.status as DeliveryStatus,
    ...(rec.sessionId ? { sessionId: rec.sessionId } : {}),
    ...(rec.archivedAt !== undefined ? { archivedAt: rec.archivedAt } : {}),
  };
}

export function memoryHistory(): HistoryStore {
  const byId = new Map<string, StoredMessage>();
  return {
    persistent: false,
    async load(siteKey) {
      return [...byId.values()].filter((m) => m.siteKey === siteKey).sort(compareMessages);
    },
    async put(messages) {
      for (const m of messages) byId.set(m.id, { ...m });
    },
    async clear(siteKey) {
      for (const [id, m] of byId) if (m.siteKey === siteKey) byId.delete(id);
    },
    close() {},
  };
}

/**
 * History in IndexedDB (`leflux` database, `messages` store), or in memory when IndexedDB is
 * missing or fails to open (private modes, disabled storage). Reads validate every record.
 */
export async function openHistory(): Promise<HistoryStore> {
  let db: IDBPDatabase<LeFluxDB>;
  try {
    if (typeof indexedDB === 'undefined') return memoryHistory();
    db = await openDB<LeFluxDB>(DB_NAME, DB_VERSION, {
      upgrade(database) {
        // Every schema migration lives here, keyed on the old version.
        const store = database.createObjectStore('messages', { keyPath: 'id' });
        store.createIndex('bySite', 'siteKey');
      },
      blocking() {
        // A newer tab wants to upgrade: step aside instead of blocking it forever.
        db.close();
      },
    });
  } catch {
    return memoryHistory();
  }
  return {
    persistent: true,
    async load(siteKey) {
      const rows = await db.getAllFromIndex('messages', 'bySite', siteKey);
      const parsed: StoredMessage[] = [];
      for (const row of rows) {
        const message = parseStoredMessage(row);
        if (message) parsed.push(message);
      }
      return parsed.sort(compareMessages);
    },
    async put(messages) {
      if (messages.length === 0) return;
      const tx = db.transaction('messages', 'readwrite');
      for (const m of messages) void tx.store.put(m);
      await tx.done;
    },
    async clear(siteKey) {
      const tx = db.transaction('messages', 'readwrite');
      let cursor = await tx.store.index('bySite').openKeyCursor(IDBKeyRange.only(siteKey));
      while (cursor) {
        void tx.store.delete(cursor.primaryKey);
        cursor = await cursor.continue();
      }
      await tx.done;
    },
    close() {
      db.close();
    },
  };
}

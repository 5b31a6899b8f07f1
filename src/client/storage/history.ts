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

const DB_NAME = 'leflux';
/** 1: one record per message, `bySite`. */
const DB_VERSION = 1;
/** The one store: `StoredMessage`s keyed by `id`, indexed `bySite` (siteKey). */
const STORE = 'messages';

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
  const load = async (siteKey: string) =>
    [...byId.values()].filter((m) => m.siteKey === siteKey).sort(compareMessages);
  return {
    persistent: false,
    load,
    async put(messages) {
      for (const m of messages) byId.set(m.id, { ...m });
    },
    async clear(siteKey) {
      for (const [id, m] of byId) if (m.siteKey === siteKey) byId.delete(id);
    },
    close() {},
  };
}

/** A request's result as a promise. */
function result<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Resolves once the transaction has committed. */
function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

/** Every schema migration, keyed on the version the browser had. */
function upgrade(db: IDBDatabase, oldVersion: number): void {
  if (oldVersion < 1)
    db.createObjectStore(STORE, { keyPath: 'id' }).createIndex('bySite', 'siteKey');
}

function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
    request.onsuccess = () => {
      const db = request.result;
      // A newer tab wants to upgrade: step aside instead of blocking it forever.
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => reject(request.error);
  });
}

/**
 * History in IndexedDB (`leflux` database, `messages` store), or in memory when IndexedDB is
 * missing or fails to open (private modes, disabled storage). Reads validate every record.
 */
export async function openHistory(): Promise<HistoryStore> {
  let db: IDBDatabase;
  try {
    if (typeof indexedDB === 'undefined') return memoryHistory();
    db = await openDatabase();
  } catch {
    return memoryHistory();
  }
  const store = (mode: IDBTransactionMode = 'readonly') =>
    db.transaction(STORE, mode).objectStore(STORE);
  const parse = (rows: unknown[]) => {
    const parsed: StoredMessage[] = [];
    for (const row of rows) {
      const message = parseStoredMessage(row);
      if (message) parsed.push(message);
    }
    return parsed.sort(compareMessages);
  };
  return {
    persistent: true,
    async load(siteKey) {
      return parse(await result(store().index('bySite').getAll(siteKey)));
    },
    async put(messages) {
      if (messages.length === 0) return;
      const s = store('readwrite');
      for (const m of messages) s.put(m);
      await committed(s.transaction);
    },
    async clear(siteKey) {
      const s = store('readwrite');
      for (const key of await result(s.index('bySite').getAllKeys(siteKey))) s.delete(key);
      await committed(s.transaction);
    },
    close() {
      db.close();
    },
  };
}

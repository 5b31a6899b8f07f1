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
  /** Every message of the site, in display order. */
  load(siteKey: string): Promise<StoredMessage[]>;
  /**
   * The newest `count` messages of the site (all when it has fewer; possibly a few more on equal
   * order keys; unreadable records drop out as in `load`), in display order: what the first
   * screen needs, read without touching the rest of the history.
   */
  loadTail(siteKey: string, count: number): Promise<StoredMessage[]>;
  put(messages: readonly StoredMessage[]): Promise<void>;
  clear(siteKey: string): Promise<void>;
  close(): void;
  /** False for the in-memory fallback. */
  readonly persistent: boolean;
}

/** `compareMessages` as an IndexedDB key: archive time, sequence, time; absent ones sort last. */
type OrderKey = [archivedAt: number, seq: number, at: number];

/** A message as stored: with its display-order key, so the newest can be read from an index. */
interface MessageRecord extends StoredMessage {
  order: OrderKey;
}

const DB_NAME = 'leflux';
/** 1: one record per message, `bySite`. 2: adds `order` to each record and the `byOrder` index. */
const DB_VERSION = 2;
/** The one store: `MessageRecord`s keyed by `id`, indexed `bySite` (siteKey) and `byOrder`. */
const STORE = 'messages';

const num = (n: unknown) => (typeof n === 'number' && !Number.isNaN(n) ? n : Infinity);
/** Works on records read back unchecked (the v1 migration): a bad field sorts last, never throws. */
const orderOf = (m: Partial<StoredMessage>): OrderKey => [num(m.archivedAt), num(m.seq), num(m.at)];
/** Above every order key: the end of a site's range in `byOrder`. */
const LAST: OrderKey = [Infinity, Infinity, Infinity];

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
    loadTail: async (siteKey, count) => (await load(siteKey)).slice(-count),
    async put(messages) {
      for (const m of messages) byId.set(m.id, { ...m });
    },
    async clear(siteKey) {
      for (const [id, m] of byId) if (m.siteKey === siteKey) byId.delete(id);
    },
    close() {},
  };
}

/** A request's result as a promise; a cursor request settles again after each advance. */
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
function upgrade(db: IDBDatabase, oldVersion: number, tx: IDBTransaction): void {
  if (oldVersion < 1)
    db.createObjectStore(STORE, { keyPath: 'id' }).createIndex('bySite', 'siteKey');
  if (oldVersion < 2) {
    const store = tx.objectStore(STORE);
    store.createIndex('byOrder', ['siteKey', 'order']);
    // Existing histories get their order key; nothing else about a record changes.
    const request = store.openCursor();
    request.onsuccess = () => {
      const cursor = request.result;
      if (!cursor) return;
      cursor.update({ ...cursor.value, order: orderOf(cursor.value) });
      cursor.continue();
    };
  }
}

function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = (event) =>
      upgrade(request.result, event.oldVersion, request.transaction as IDBTransaction);
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
  const index = (name: 'bySite' | 'byOrder', s = store()) => s.index(name);
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
      return parse(await result(index('bySite').getAll(siteKey)));
    },
    async loadTail(siteKey, count) {
      const byOrder = index('byOrder');
      const site = IDBKeyRange.bound([siteKey], [siteKey, LAST]);
      // Where getAll reads backwards (Chromium 141+), one request; elsewhere walk back `count`
      // keys without reading values, then read from there.
      if ('getAllRecords' in IDBIndex.prototype)
        return parse(
          await result(byOrder.getAll({ query: site, count, direction: 'prev' } as never)),
        );
      const request = byOrder.openKeyCursor(site, 'prev');
      let cursor = await result(request);
      if (cursor && count > 1) {
        cursor.advance(count - 1);
        cursor = await result(request);
      }
      return parse(
        await result(
          byOrder.getAll(IDBKeyRange.bound(cursor ? cursor.key : [siteKey], [siteKey, LAST])),
        ),
      );
    },
    async put(messages) {
      if (messages.length === 0) return;
      const s = store('readwrite');
      for (const m of messages) s.put({ ...m, order: orderOf(m) } satisfies MessageRecord);
      await committed(s.transaction);
    },
    async clear(siteKey) {
      const s = store('readwrite');
      for (const key of await result(index('bySite', s).getAllKeys(siteKey))) s.delete(key);
      await committed(s.transaction);
    },
    close() {
      db.close();
    },
  };
}

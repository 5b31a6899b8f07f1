import { type DBSchema, type IDBPDatabase, openDB, wrap } from 'idb';
import { type ChatMessage, validateChatMessage } from '../../protocol/index.js';
import { HISTORY_DB } from './names.js';

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
  /**
   * Every message of the site, oldest first, handed to `onPage` in pages of about `size`
   * (each page in display order; a message in one page only). One read of a long history is one
   * long task; pages keep each task short. Resolves after the last page.
   */
  loadPages(
    siteKey: string,
    size: number,
    onPage: (messages: StoredMessage[]) => void,
  ): Promise<void>;
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
    loadPages: async (siteKey, _size, onPage) => onPage(await load(siteKey)),
    async put(messages) {
      for (const m of messages) byId.set(m.id, { ...m });
    },
    async clear(siteKey) {
      for (const [id, m] of byId) if (m.siteKey === siteKey) byId.delete(id);
    },
    close() {},
  };
}

interface LeFluxDB extends DBSchema {
  messages: {
    key: string;
    value: MessageRecord;
    indexes: { bySite: string; byOrder: [string, ...OrderKey] };
  };
}

/**
 * History in IndexedDB (`leflux` database, `messages` store, through `idb`), or in memory when
 * IndexedDB is missing or fails to open (private modes, disabled storage). Reads validate every
 * record.
 */
/**
 * Takes over a connection opened before this module loaded (`widget.js` starts one on a reload)
 * when it is at this schema version; otherwise closes it, and `openHistory` opens (and
 * upgrades) as usual.
 */
async function adopt(
  opened: Promise<IDBDatabase | undefined> | undefined,
): Promise<IDBPDatabase<LeFluxDB> | undefined> {
  const raw = await opened?.catch(() => undefined);
  if (!raw) return undefined;
  if (raw.version !== DB_VERSION || !raw.objectStoreNames.contains(STORE)) {
    raw.close();
    return undefined;
  }
  try {
    // Closed meanwhile (another tab's upgrade asked it to step aside): open anew instead.
    raw.transaction(STORE).abort();
  } catch {
    return undefined;
  }
  // As `blocking` below: a newer tab wants to upgrade, step aside.
  raw.onversionchange = () => raw.close();
  return wrap(raw) as unknown as IDBPDatabase<LeFluxDB>;
}

/**
 * Whether this origin has a history database, asked without opening (and so creating) it:
 * undefined where the browser cannot say (`indexedDB.databases` is missing).
 */
export async function historyExists(): Promise<boolean | undefined> {
  try {
    return (await indexedDB.databases()).some((database) => database.name === HISTORY_DB);
  } catch {
    return undefined;
  }
}

/**
 * How long an open may wait, neither opened nor told it is blocked, before this page keeps its
 * history in memory: a request queued behind another tab's blocked upgrade hears nothing at all
 * (only the first request in the queue is told `blocked`).
 */
const OPEN_WAIT_MS = 3_000;

export async function openHistory(
  /** A connection to `leflux` opened earlier, at any version (see `adopt`). */
  opened?: Promise<IDBDatabase | undefined>,
  { openWaitMs = OPEN_WAIT_MS }: { openWaitMs?: number } = {},
): Promise<HistoryStore> {
  let db: IDBPDatabase<LeFluxDB>;
  try {
    if (typeof indexedDB === 'undefined') return memoryHistory();
    const adopted = await adopt(opened);
    if (adopted) return historyOn(adopted);
    let onBlocked = () => {};
    let upgrading = false;
    const blocked = new Promise<undefined>((resolve) => {
      onBlocked = () => resolve(undefined);
      // A migration under way (a long history takes a while) is not a queue: let it finish.
      setTimeout(() => upgrading || resolve(undefined), openWaitMs);
    });
    const opening = openDB<LeFluxDB>(HISTORY_DB, DB_VERSION, {
      // Every schema migration, keyed on the version the browser had.
      async upgrade(database, oldVersion, _newVersion, tx) {
        upgrading = true;
        if (oldVersion < 1)
          database.createObjectStore(STORE, { keyPath: 'id' }).createIndex('bySite', 'siteKey');
        if (oldVersion < 2) {
          const store = tx.objectStore(STORE);
          store.createIndex('byOrder', ['siteKey', 'order']);
          // Existing histories get their order key; nothing else about a record changes.
          for (let cursor = await store.openCursor(); cursor; cursor = await cursor.continue()) {
            await cursor.update({ ...cursor.value, order: orderOf(cursor.value) });
          }
        }
      },
      blocking() {
        // A newer tab wants to upgrade: step aside instead of blocking it forever.
        db.close();
      },
      // An older tab holds the database and does not step aside: this page keeps its history
      // in memory rather than wait (the chat would not show until that tab closes).
      blocked: onBlocked,
    });
    const first = await Promise.race([opening, blocked]);
    if (!first) {
      void opening.then(
        (late) => late.close(),
        () => undefined,
      );
      return memoryHistory();
    }
    db = first;
  } catch {
    return memoryHistory();
  }
  return historyOn(db);
}

/** The history store over an open connection at `DB_VERSION`. */
function historyOn(db: IDBPDatabase<LeFluxDB>): HistoryStore {
  const parse = (rows: unknown[]) => {
    const parsed: StoredMessage[] = [];
    const unreadable: IDBValidKey[] = [];
    for (const row of rows) {
      const message = parseStoredMessage(row);
      if (message) parsed.push(message);
      // Its key is `id` (the store's keyPath): a record that no longer reads is deleted, so a
      // broken or oversized row is not read again on every load.
      else unreadable.push((row as { id: IDBValidKey }).id);
    }
    if (unreadable.length > 0) {
      const tx = db.transaction(STORE, 'readwrite');
      for (const id of unreadable) void tx.store.delete(id as string);
      tx.done.catch(() => undefined);
    }
    return parsed.sort(compareMessages);
  };
  return {
    persistent: true,
    async load(siteKey) {
      return parse(await db.getAllFromIndex(STORE, 'bySite', siteKey));
    },
    async loadTail(siteKey, count) {
      const byOrder = db.transaction(STORE).store.index('byOrder');
      const site = IDBKeyRange.bound([siteKey], [siteKey, LAST]);
      // Where getAll reads backwards (Chromium 141+), one request; elsewhere walk back `count`
      // keys without reading values, then read from there.
      if ('getAllRecords' in IDBIndex.prototype) {
        const newest = byOrder.getAll as unknown as (options: unknown) => Promise<unknown[]>;
        return parse(await newest.call(byOrder, { query: site, count, direction: 'prev' }));
      }
      let cursor = await byOrder.openKeyCursor(site, 'prev');
      if (cursor && count > 1) cursor = await cursor.advance(count - 1);
      return parse(
        await byOrder.getAll(IDBKeyRange.bound(cursor ? cursor.key : [siteKey], [siteKey, LAST])),
      );
    },
    async loadPages(siteKey, size, onPage) {
      const seen = new Set<unknown>();
      const fresh = (rows: unknown[]) =>
        rows.filter((row) => {
          const id = (row as { id?: unknown }).id;
          if (seen.has(id)) return false;
          seen.add(id);
          return true;
        });
      let from: IDBValidKey = [siteKey];
      for (;;) {
        const range = IDBKeyRange.bound(from, [siteKey, LAST]);
        const rows: unknown[] = await db.getAllFromIndex(STORE, 'byOrder', range, size);
        const page = fresh(rows);
        if (page.length > 0) onPage(parse(page));
        if (rows.length < size) return;
        if (page.length === 0) {
          // A whole page shares one order key (never in practice): read the rest at once.
          onPage(parse(fresh(await db.getAllFromIndex(STORE, 'byOrder', range))));
          return;
        }
        // The next page starts at the last key read, inclusive: records sharing it are not
        // skipped, and those already handed over are dropped above.
        from = [siteKey, orderOf(rows[rows.length - 1] as Partial<StoredMessage>)];
      }
    },
    async put(messages) {
      if (messages.length === 0) return;
      const tx = db.transaction(STORE, 'readwrite');
      for (const m of messages) void tx.store.put({ ...m, order: orderOf(m) });
      await tx.done;
    },
    async clear(siteKey) {
      const tx = db.transaction(STORE, 'readwrite');
      for (const key of await tx.store.index('bySite').getAllKeys(siteKey))
        void tx.store.delete(key);
      await tx.done;
    },
    close() {
      db.close();
    },
  };
}

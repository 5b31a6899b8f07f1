import 'fake-indexeddb/auto';
import { openDB, unwrap } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  compareMessages,
  type HistoryStore,
  memoryHistory,
  openHistory,
  type StoredMessage,
} from './history.js';

const msg = (id: string, extra: Partial<StoredMessage> = {}): StoredMessage => ({
  id,
  author: 'visitor',
  text: `text ${id}`,
  at: 1000,
  siteKey: 'acme',
  status: 'sent',
  ...extra,
});

/** IndexedDB as in browsers whose getAll cannot read backwards (before Chromium 141, others). */
async function openHistoryWithoutBackwardGetAll(): Promise<HistoryStore> {
  const proto = IDBIndex.prototype as { getAllRecords?: unknown };
  hidden = proto.getAllRecords;
  delete proto.getAllRecords;
  return openHistory();
}
let hidden: unknown;

let opened: HistoryStore[] = [];
afterEach(async () => {
  for (const h of opened) h.close();
  opened = [];
  if (hidden) Object.assign(IDBIndex.prototype, { getAllRecords: hidden });
  hidden = undefined;
  await new Promise<void>((resolve) => {
    const req = indexedDB.deleteDatabase('leflux');
    req.onsuccess = req.onerror = () => resolve();
  });
});

describe.each([
  ['IndexedDB', async () => openHistory()],
  ['IndexedDB without backward getAll', openHistoryWithoutBackwardGetAll],
  ['memory', async () => memoryHistory()],
])('history in %s', (_name, open) => {
  it('stores, loads in display order, and clears one site only', async () => {
    const history = await open();
    opened.push(history);
    await history.put([
      msg('b', { seq: 2 }),
      msg('a', { seq: 1 }),
      msg('p', { status: 'pending', at: 5 }),
      msg('old', { seq: 9, archivedAt: 50 }),
      msg('other', { siteKey: 'other' }),
    ]);
    expect((await history.load('acme')).map((m) => m.id)).toEqual(['old', 'a', 'b', 'p']);
    await history.clear('acme');
    expect(await history.load('acme')).toEqual([]);
    expect((await history.load('other')).map((m) => m.id)).toEqual(['other']);
  });

  it('reads the newest messages of a site in display order, without the rest', async () => {
    const history = await open();
    opened.push(history);
    await history.put([
      msg('p2', { status: 'pending', at: 7 }),
      msg('s3', { seq: 3 }),
      msg('old', { seq: 40, archivedAt: 50 }),
      msg('s1', { seq: 1 }),
      msg('p1', { status: 'pending', at: 6 }),
      msg('s2', { seq: 2 }),
      msg('x', { siteKey: 'acme2', seq: 99 }),
      msg('y', { siteKey: 'acm', status: 'pending', at: 99 }),
    ]);
    expect((await history.loadTail('acme', 3)).map((m) => m.id)).toEqual(['s3', 'p1', 'p2']);
    expect((await history.loadTail('acme', 1)).map((m) => m.id)).toEqual(['p2']);
    expect((await history.loadTail('acme', 100)).map((m) => m.id)).toEqual([
      'old',
      's1',
      's2',
      's3',
      'p1',
      'p2',
    ]);
    expect(await history.loadTail('nobody', 5)).toEqual([]);
    // A delivery moves a message: the tail follows.
    await history.put([msg('p1', { seq: 4 })]);
    expect((await history.loadTail('acme', 2)).map((m) => m.id)).toEqual(['p1', 'p2']);
  });

  it('hands every message of a site over once, oldest first, page by page', async () => {
    const history = await open();
    opened.push(history);
    const sent = Array.from({ length: 23 }, (_, i) => msg(`s${i}`, { seq: i + 1 }));
    // Pending messages of two tabs may share a time: equal order keys across a page boundary.
    const pending = ['p1', 'p2', 'p3'].map((id) => msg(id, { status: 'pending', at: 7 }));
    const earlier = msg('old', { seq: 40, archivedAt: 50 });
    await history.put([...pending, ...sent, earlier, msg('x', { siteKey: 'acme2', seq: 1 })]);
    const pages: string[][] = [];
    await history.loadPages('acme', 5, (page) => pages.push(page.map((m) => m.id)));
    expect(pages.flat()).toEqual((await history.load('acme')).map((m) => m.id));
    expect(pages.flat()).toHaveLength(27);
    expect(new Set(pages.flat()).size).toBe(27);
    if (history.persistent) expect(pages.map((page) => page.length)).toEqual([5, 4, 4, 4, 4, 4, 2]);
    const none: string[] = [];
    await history.loadPages('nobody', 5, (page) => none.push(...page.map((m) => m.id)));
    expect(none).toEqual([]);
  });

  it('upserts by id', async () => {
    const history = await open();
    opened.push(history);
    await history.put([msg('a', { status: 'pending' })]);
    await history.put([msg('a', { status: 'sent', seq: 1 })]);
    expect(await history.load('acme')).toEqual([msg('a', { status: 'sent', seq: 1 })]);
  });
});

describe('IndexedDB history', () => {
  it('drops records that are not valid messages instead of rendering them', async () => {
    const history = await openHistory();
    opened.push(history);
    await history.put([msg('good')]);
    const db = await openDB('leflux');
    await db.put('messages', { id: 'bad', siteKey: 'acme', author: 'hacker', text: 1 });
    await db.put('messages', {
      id: 'bad2',
      siteKey: 'acme',
      author: 'agent',
      text: 'x',
      at: 1,
      status: '??',
    });
    db.close();
    expect((await history.load('acme')).map((m) => m.id)).toEqual(['good']);
  });
});

/** What `widget.js` does on a reload: opens `leflux` at whatever version it has, unwrapped. */
const openRaw = async (): Promise<IDBDatabase> => unwrap(await openDB('leflux'));

describe('IndexedDB history pages', () => {
  it('reads on past a page whose messages all share one order key', async () => {
    const history = await openHistory();
    opened.push(history);
    const same = Array.from({ length: 8 }, (_, i) => msg(`p${i}`, { status: 'pending', at: 7 }));
    await history.put([msg('s1', { seq: 1 }), ...same]);
    const pages: string[][] = [];
    await history.loadPages('acme', 3, (page) => pages.push(page.map((m) => m.id)));
    expect(pages.flat().sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 's1']);
    expect(pages.flat()[0]).toBe('s1');
  });
});

describe('IndexedDB history, opened early', () => {
  it('takes over a connection opened at this version', async () => {
    const first = await openHistory();
    await first.put([msg('kept')]);
    first.close();
    const raw = await openRaw();
    const history = await openHistory(Promise.resolve(raw));
    expect((await history.loadTail('acme', 10)).map((m) => m.id)).toEqual(['kept']);
    history.close();
    // The history's connection was that one: closing the history closed it.
    expect(() => raw.transaction('messages')).toThrow();
  });

  it('closes a version 1 connection and upgrades as usual', async () => {
    const db = await openDB('leflux', 1, {
      upgrade(database) {
        database.createObjectStore('messages', { keyPath: 'id' }).createIndex('bySite', 'siteKey');
      },
    });
    await db.put('messages', msg('old', { seq: 1 }));
    db.close();
    const raw = await openRaw();
    expect(raw.version).toBe(1);
    const history = await openHistory(Promise.resolve(raw));
    opened.push(history);
    expect((await history.loadTail('acme', 10)).map((m) => m.id)).toEqual(['old']);
    const check = await openDB('leflux');
    expect(check.version).toBe(2);
    check.close();
  });

  it('opens anew when the early connection was closed meanwhile', async () => {
    const first = await openHistory();
    await first.put([msg('kept')]);
    first.close();
    const raw = await openRaw();
    raw.close();
    const history = await openHistory(Promise.resolve(raw));
    opened.push(history);
    expect((await history.load('acme')).map((m) => m.id)).toEqual(['kept']);
  });

  it('opens as usual when the early open found nothing or failed', async () => {
    const earlyOpens = [
      () => Promise.resolve(undefined),
      () => Promise.reject(new Error('blocked')),
    ];
    for (const early of earlyOpens) {
      const history = await openHistory(early());
      opened.push(history);
      expect(history.persistent).toBe(true);
      await history.put([msg('a')]);
      expect((await history.load('acme')).map((m) => m.id)).toEqual(['a']);
    }
  });
});

describe('IndexedDB history, broken records and tabs', () => {
  it('deletes the records that no longer read (wrong types, oversized text) and keeps the rest', async () => {
    const history = await openHistory();
    opened.push(history);
    await history.put([msg('good1', { seq: 1 }), msg('good2', { seq: 2 })]);
    const db = await openDB('leflux');
    const order = [Infinity, 3, 1000];
    await db.put('messages', { ...msg('wrong'), text: 42, seq: 'one', order });
    await db.put('messages', { ...msg('huge'), text: 'x'.repeat(4001), seq: 4, order });
    await db.put('messages', { ...msg('who'), author: 'admin', seq: 5, order });
    expect((await history.load('acme')).map((m) => m.id)).toEqual(['good1', 'good2']);
    await expect
      .poll(async () => (await db.getAllKeys('messages')).sort())
      .toEqual(['good1', 'good2']);
    db.close();
  });

  it('an upgrade blocked by an old tab that holds the database: memory for this page, at once', async () => {
    const old = await openDB('leflux', 1, {
      upgrade(database) {
        database.createObjectStore('messages', { keyPath: 'id' }).createIndex('bySite', 'siteKey');
      },
    });
    // Older code: no versionchange handler, so it never lets go.
    const history = await openHistory();
    opened.push(history);
    expect(history.persistent).toBe(false);
    await history.put([msg('a')]);
    expect((await history.load('acme')).map((m) => m.id)).toEqual(['a']);
    // A second tab queues behind the first one's blocked upgrade and is told nothing: it too
    // keeps memory after the wait instead of hanging.
    const second = await openHistory(undefined, { openWaitMs: 200 });
    opened.push(second);
    expect(second.persistent).toBe(false);
    old.close();
  });
});

describe('IndexedDB history, version 1 data', () => {
  /** What the first release left in browsers: database version 1, one record per message. */
  async function writeVersion1(records: unknown[]) {
    const db = await openDB('leflux', 1, {
      upgrade(database) {
        database.createObjectStore('messages', { keyPath: 'id' }).createIndex('bySite', 'siteKey');
      },
    });
    for (const record of records) await db.put('messages', record);
    db.close();
  }

  it('keeps every message and reads the newest after the upgrade', async () => {
    const v1 = [
      ...Array.from({ length: 30 }, (_, i) => msg(`s${i}`, { seq: i + 1, sessionId: 'sess' })),
      msg('pending', { status: 'pending', at: 5 }),
      msg('earlier', { seq: 3, archivedAt: 20 }),
      msg('other', { siteKey: 'other', seq: 1 }),
      { id: 'broken', siteKey: 'acme', author: 'agent', at: 'yesterday' },
    ];
    await writeVersion1(v1);
    const history = await openHistoryWithoutBackwardGetAll();
    opened.push(history);
    const all = await history.load('acme');
    expect(all).toHaveLength(32);
    expect(all[0]?.id).toBe('earlier');
    expect(all.at(-1)).toEqual(msg('pending', { status: 'pending', at: 5 }));
    // The unreadable record was deleted by that read: it is not among the newest any more.
    expect((await history.loadTail('acme', 4)).map((m) => m.id)).toEqual([
      's27',
      's28',
      's29',
      'pending',
    ]);
    expect((await history.load('other')).map((m) => m.id)).toEqual(['other']);
    // Stored records are otherwise untouched: the e2e and the contract read them as messages.
    const db = await openDB('leflux');
    expect(await db.get('messages', 'broken')).toBeUndefined();
    expect(db.version).toBe(2);
    expect(await db.get('messages', 's0')).toMatchObject({
      ...msg('s0', { seq: 1 }),
      sessionId: 'sess',
    });
    db.close();
  });
});

describe('compareMessages', () => {
  it('puts earlier conversations first, then by sequence, pending last', () => {
    const list = [
      msg('p', { status: 'pending', at: 1 }),
      msg('s2', { seq: 2 }),
      msg('e', { seq: 7, archivedAt: 1 }),
      msg('s1', { seq: 1 }),
    ];
    expect(list.sort(compareMessages).map((m) => m.id)).toEqual(['e', 's1', 's2', 'p']);
  });
});

import 'fake-indexeddb/auto';
import { openDB } from 'idb';
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

let opened: HistoryStore[] = [];
afterEach(async () => {
  for (const h of opened) h.close();
  opened = [];
  await new Promise<void>((resolve) => {
    const req = indexedDB.deleteDatabase('leflux');
    req.onsuccess = req.onerror = () => resolve();
  });
});

describe.each([
  ['IndexedDB', async () => openHistory()],
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
    const db = await openDB('leflux', 1);
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

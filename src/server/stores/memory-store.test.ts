// @vitest-environment node
import { beforeEach, describe, expect, it } from 'vitest';
import { ID_PATTERN } from '../../protocol/index.js';
import { createMemorySessionStore } from './memory-store.js';
import { SessionNotFoundError, type SessionStore } from './session-store.js';

const TTL = 60_000;
let clock: number;
let store: SessionStore;

const visitor = (id: string, text = `text of ${id}`) =>
  ({ id, author: 'visitor', text, at: clock }) as const;

beforeEach(() => {
  clock = 1_000_000;
  store = createMemorySessionStore({ idleTtlMs: TTL, now: () => clock });
});

describe('memory session store', () => {
  it('creates sessions with a nanoid id, a 32-char token and timestamps from the clock', async () => {
    const session = await store.create('acme', 'visitor-1');
    expect(session.id).toMatch(ID_PATTERN);
    expect(session.token).toHaveLength(32);
    expect(session).toMatchObject({
      siteKey: 'acme',
      visitorId: 'visitor-1',
      createdAt: clock,
      lastActiveAt: clock,
      nextSeq: 1,
    });
    expect((await store.create('acme')).id).not.toBe(session.id);
    expect(await store.get(session.id)).toEqual(session);
  });

  it('numbers messages in order and dedupes by message id', async () => {
    const { id } = await store.create('acme');
    expect(await store.appendMessage(id, visitor('m1'))).toEqual({ seq: 1, duplicate: false });
    expect(await store.appendMessage(id, visitor('m2'))).toEqual({ seq: 2, duplicate: false });
    expect(await store.appendMessage(id, visitor('m1', 'resent'))).toEqual({
      seq: 1,
      duplicate: true,
    });
    const history = await store.messagesAfter(id, 0);
    expect(history.map((m) => [m.id, m.seq, m.text])).toEqual([
      ['m1', 1, 'text of m1'],
      ['m2', 2, 'text of m2'],
    ]);
    expect((await store.get(id))?.nextSeq).toBe(3);
  });

  it('returns only messages after a seq', async () => {
    const { id } = await store.create('acme');
    for (const m of ['a', 'b', 'c', 'd']) await store.appendMessage(id, visitor(m));
    expect((await store.messagesAfter(id, 2)).map((m) => m.id)).toEqual(['c', 'd']);
    expect(await store.messagesAfter(id, 4)).toEqual([]);
  });

  it('hands out copies: mutating a result does not change the store', async () => {
    const { id } = await store.create('acme');
    await store.appendMessage(id, visitor('a'));
    const [message] = await store.messagesAfter(id, 0);
    message!.text = 'changed';
    const session = await store.get(id);
    session!.token = 'changed';
    expect((await store.messagesAfter(id, 0))[0]?.text).toBe('text of a');
    expect((await store.get(id))?.token).not.toBe('changed');
  });

  it('keeps at most maxHistory messages, dropping the oldest', async () => {
    store = createMemorySessionStore({ idleTtlMs: TTL, now: () => clock, maxHistory: 3 });
    const { id } = await store.create('acme');
    for (const m of ['a', 'b', 'c', 'd', 'e']) await store.appendMessage(id, visitor(m));
    expect((await store.messagesAfter(id, 0)).map((m) => [m.id, m.seq])).toEqual([
      ['c', 3],
      ['d', 4],
      ['e', 5],
    ]);
  });

  it('evicts an idle session on access, counting only touches as activity', async () => {
    const { id } = await store.create('acme');
    clock += TTL - 1;
    await store.bind(id, 'socket-a');
    await store.setPage(id, { url: 'https://x.test/', title: 'X' });
    await store.messagesAfter(id, 0);
    expect(await store.get(id)).toBeDefined();
    clock += 1;
    expect(await store.get(id)).toBeUndefined();
    // Deleted, not just hidden: turning the clock back does not revive it.
    clock -= 10;
    expect(await store.get(id)).toBeUndefined();
  });

  it('touch postpones eviction', async () => {
    const { id } = await store.create('acme');
    clock += TTL - 1;
    await store.touch(id, clock);
    clock += TTL - 1;
    expect((await store.get(id))?.lastActiveAt).toBe(1_000_000 + TTL - 1);
  });

  it('throws SessionNotFoundError for operations on an evicted session', async () => {
    const { id } = await store.create('acme');
    clock += TTL;
    await expect(store.appendMessage(id, visitor('a'))).rejects.toBeInstanceOf(
      SessionNotFoundError,
    );
    await expect(store.messagesAfter('nope', 0)).rejects.toMatchObject({
      code: 'session_not_found',
    });
  });

  it('sweep evicts idle sessions and returns their ids', async () => {
    const idle = await store.create('acme');
    clock += TTL / 2;
    const active = await store.create('acme');
    clock += TTL / 2;
    expect(await store.sweep(clock)).toEqual([idle.id]);
    expect(await store.get(idle.id)).toBeUndefined();
    expect(await store.get(active.id)).toBeDefined();
    expect(await store.sweep(clock)).toEqual([]);
  });

  it('binds one socket per session: newer wins and reports the older', async () => {
    const { id } = await store.create('acme');
    expect(await store.bind(id, 'a')).toBeUndefined();
    expect(await store.bind(id, 'a')).toBeUndefined();
    expect(await store.bind(id, 'b')).toBe('a');
    expect((await store.get(id))?.boundSocket).toBe('b');
    // The older socket leaving must not unbind the newer one.
    expect(await store.unbind(id, 'a')).toBe(false);
    expect((await store.get(id))?.boundSocket).toBe('b');
    expect(await store.unbind(id, 'b')).toBe(true);
    expect((await store.get(id))?.boundSocket).toBeUndefined();
  });

  it('delete removes the session', async () => {
    const { id } = await store.create('acme');
    expect(await store.delete(id)).toBe(true);
    expect(await store.delete(id)).toBe(false);
    expect(await store.get(id)).toBeUndefined();
  });
});

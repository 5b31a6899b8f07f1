// @vitest-environment node
import { beforeEach, describe, expect, it } from 'vitest';
import { type ChatMessage, ID_PATTERN } from '../../protocol/index.js';
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

  it('keeps every field of a message', async () => {
    const { id } = await store.create('acme');
    const asked: ChatMessage = {
      id: 'q1',
      author: 'agent',
      text: 'Your email?',
      at: 5,
      asks: 'email',
    };
    await store.appendMessage(id, asked);
    await store.appendMessage(id, visitor('m1'));
    expect(await store.messagesAfter(id, 0)).toStrictEqual([
      { ...asked, seq: 1 },
      { ...visitor('m1'), seq: 2 },
    ]);
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

  it("a site's own idle TTL overrides the default for that site's sessions, on access and in sweeps", async () => {
    store = createMemorySessionStore({
      idleTtlMs: TTL,
      siteIdleTtlMs: (siteKey) => ({ brief: 1000, patient: 10 * TTL })[siteKey],
      now: () => clock,
    });
    const brief = await store.create('brief');
    const patient = await store.create('patient');
    const plain = await store.create('acme');
    clock += 999;
    expect(await store.get(brief.id)).toBeDefined();
    clock += 1;
    expect(await store.get(brief.id)).toBeUndefined();
    clock += TTL;
    expect(await store.sweep(clock)).toEqual([plain.id]);
    expect(await store.get(patient.id)).toBeDefined();
    clock += 9 * TTL;
    expect(await store.sweep(clock)).toEqual([patient.id]);
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

describe('memory session store: session and site values', () => {
  it('gets, saves, evicts, fetches all and clears with a retain list', async () => {
    const { id } = await store.create('acme');
    expect(await store.getValue(id, 'plan')).toBeUndefined();
    await store.saveValue(id, 'plan', 'pro');
    await store.saveValue(id, 'cart', { items: [1, 2], total: 58 });
    await store.saveValue(id, 'step', 3);
    expect(await store.getValue(id, 'cart')).toEqual({ items: [1, 2], total: 58 });
    expect(await store.fetchValues(id)).toEqual({
      plan: 'pro',
      cart: { items: [1, 2], total: 58 },
      step: 3,
    });
    expect(await store.evictValue(id, 'step')).toBe(true);
    expect(await store.evictValue(id, 'step')).toBe(false);
    await store.clearValues(id, ['plan']);
    expect(await store.fetchValues(id)).toEqual({ plan: 'pro' });
    await store.clearValues(id);
    expect(await store.fetchValues(id)).toEqual({});
  });

  it('keeps values per session, copied in and out', async () => {
    const a = await store.create('acme');
    const b = await store.create('acme');
    const value = { n: 1 };
    await store.saveValue(a.id, 'k', value);
    value.n = 2;
    const read = (await store.getValue(a.id, 'k')) as { n: number };
    read.n = 3;
    expect(await store.getValue(a.id, 'k')).toEqual({ n: 1 });
    expect(await store.getValue(b.id, 'k')).toBeUndefined();
  });

  it('drops values with their session, and refuses an unknown session', async () => {
    const { id } = await store.create('acme');
    await store.saveValue(id, 'k', 1);
    clock += TTL;
    await expect(store.getValue(id, 'k')).rejects.toBeInstanceOf(SessionNotFoundError);
    await expect(store.saveValue('nope', 'k', 1)).rejects.toBeInstanceOf(SessionNotFoundError);
  });

  it('keeps site values per site, beyond any session', async () => {
    await store.saveSiteValue('acme', 'banner', 'Sale!');
    await store.saveSiteValue('other', 'banner', 'Hello');
    expect(await store.getSiteValue('acme', 'banner')).toBe('Sale!');
    expect(await store.fetchSiteValues('other')).toEqual({ banner: 'Hello' });
    clock += TTL * 10;
    expect(await store.getSiteValue('acme', 'banner')).toBe('Sale!');
    expect(await store.evictSiteValue('acme', 'banner')).toBe(true);
    expect(await store.fetchSiteValues('acme')).toEqual({});
  });

  it('merges visitor details, ignoring empty ones', async () => {
    const { id } = await store.create('acme');
    expect(await store.getVisitor(id)).toEqual({});
    expect(await store.saveVisitor(id, { name: ' Ada ', email: '' })).toEqual({ name: 'Ada' });
    expect(await store.saveVisitor(id, { email: 'ada@example.com' })).toEqual({
      name: 'Ada',
      email: 'ada@example.com',
    });
    expect(await store.getVisitor(id)).toEqual({ name: 'Ada', email: 'ada@example.com' });
  });
});

describe('memory session store: waits', () => {
  const WAIT_TTL = 10_000;
  const wait = (scope: string, step = 1) => ({
    id: `w-${scope}-${step}`,
    scope,
    question: `what about ${scope}?`,
    taskId: 't1',
    step,
    createdAt: clock,
    expiresAt: clock + WAIT_TTL,
  });

  it('registers a wait with the session, site and visitor filled in', async () => {
    const { id } = await store.create('acme', 'visitor-1');
    expect(await store.addWait(id, wait('contact'))).toEqual({
      ...wait('contact'),
      sessionId: id,
      siteKey: 'acme',
      visitorId: 'visitor-1',
    });
    expect((await store.listWaits({ sessionId: id })).map((w) => w.scope)).toEqual(['contact']);
  });

  it('the next message takes the oldest wait, once', async () => {
    const { id } = await store.create('acme');
    await store.addWait(id, wait('contact', 1));
    await store.addWait(id, wait('survey', 2));
    expect((await store.takeWait(id))?.scope).toBe('contact');
    expect((await store.takeWait(id))?.scope).toBe('survey');
    expect(await store.takeWait(id)).toBeUndefined();
  });

  it('expires a wait at its TTL, on access and in the sweep', async () => {
    const { id } = await store.create('acme');
    await store.addWait(id, wait('contact'));
    clock += WAIT_TTL - 1;
    expect(await store.listWaits({ sessionId: id })).toHaveLength(1);
    clock += 1;
    expect(await store.listWaits({ sessionId: id })).toEqual([]);
    expect(await store.takeWait(id)).toBeUndefined();

    await store.addWait(id, wait('later'));
    clock += WAIT_TTL;
    await store.touch(id, clock);
    await store.sweep(clock);
    clock -= WAIT_TTL; // Swept, not hidden: turning the clock back does not revive it.
    expect(await store.listWaits({ sessionId: id })).toEqual([]);
  });

  it('lists a visitor’s waits across sessions of one site only', async () => {
    const a = await store.create('acme', 'v1');
    const b = await store.create('acme', 'v1');
    const other = await store.create('other', 'v1');
    const stranger = await store.create('acme', 'v2');
    for (const { id } of [a, b, other, stranger]) await store.addWait(id, wait('contact'));
    const listed = await store.listWaits({ siteKey: 'acme', visitorId: 'v1' });
    expect(listed.map((w) => w.sessionId).sort()).toEqual([a.id, b.id].sort());
  });

  it('clears waits of a session, of one scope or all, and of a visitor', async () => {
    const a = await store.create('acme', 'v1');
    const b = await store.create('acme', 'v1');
    await store.addWait(a.id, wait('contact', 1));
    await store.addWait(a.id, wait('survey', 2));
    await store.addWait(b.id, wait('contact', 1));
    expect(await store.clearWaits({ sessionId: a.id }, 'survey')).toBe(1);
    expect((await store.listWaits({ sessionId: a.id })).map((w) => w.scope)).toEqual(['contact']);
    expect(await store.clearWaits({ siteKey: 'acme', visitorId: 'v1' })).toBe(2);
    expect(await store.listWaits({ siteKey: 'acme', visitorId: 'v1' })).toEqual([]);
    expect(await store.clearWaits({ sessionId: a.id })).toBe(0);
  });
});

describe('memory session store: tasks', () => {
  const task = (id: string, deadline?: number) => ({
    id,
    label: 'Showing pricing',
    steps: [{ type: 'say' as const, text: 'hi' }],
    step: 0,
    status: 'held' as const,
    deadline,
    createdAt: clock,
    updatedAt: clock,
  });

  it('saves, reads (a copy) and deletes only the named task', async () => {
    const { id } = await store.create('acme');
    expect(await store.getTask(id)).toBeUndefined();
    await store.saveTask(id, task('t1'));
    const read = await store.getTask(id);
    expect(read).toEqual(task('t1'));
    read!.step = 5;
    expect((await store.getTask(id))?.step).toBe(0);
    expect(await store.deleteTask(id, 't2')).toBe(false);
    expect(await store.deleteTask(id, 't1')).toBe(true);
    expect(await store.getTask(id)).toBeUndefined();
  });

  it('reports sessions whose task deadline passed', async () => {
    const due = await store.create('acme');
    const later = await store.create('acme');
    const none = await store.create('acme');
    await store.saveTask(due.id, task('t1', clock + 100));
    await store.saveTask(later.id, task('t2', clock + 200));
    await store.saveTask(none.id, task('t3'));
    expect(await store.tasksDue(clock + 99)).toEqual([]);
    expect(await store.tasksDue(clock + 100)).toEqual([due.id]);
    expect((await store.tasksDue(clock + 200)).sort()).toEqual([due.id, later.id].sort());
  });
});

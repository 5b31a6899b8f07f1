import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ChatMessage, ID_PATTERN } from '../../protocol/index.js';
import {
  SessionNotFoundError,
  type SessionStore,
  TakenOverError,
  type TaskState,
} from './session-store.js';

/** What a store under test is made from: a fake clock and the idle rules. */
export interface SessionStoreFixture {
  now: () => number;
  idleTtlMs: number;
  /** Per-site idle TTLs (site settings); undefined: `idleTtlMs`. */
  siteIdleTtlMs?: (siteKey: string) => number | undefined;
  /** Messages kept per session; undefined: the store's default. */
  maxHistory?: number;
}

const TTL = 60_000;
const later = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * The behaviour every `SessionStore` must have, as one Vitest suite. A store implementation's
 * test file calls it with a factory; `make` gets a fresh clock for each test, and the store is
 * closed after it.
 *
 * @example
 * describeSessionStore('memory', (fixture) => createMemorySessionStore(fixture));
 */
export function describeSessionStore(
  name: string,
  make: (fixture: SessionStoreFixture) => SessionStore | Promise<SessionStore>,
): void {
  let clock: number;
  let store: SessionStore;
  const now = () => clock;
  const visitor = (id: string, text = `text of ${id}`) =>
    ({ id, author: 'visitor', text, at: clock }) as const;
  /** A store of its own for a test that needs other idle rules. */
  const remake = async (fixture: Partial<SessionStoreFixture>) => {
    await store.close();
    store = await make({ now, idleTtlMs: TTL, ...fixture });
    return store;
  };

  beforeEach(async () => {
    clock = 1_000_000;
    store = await make({ now, idleTtlMs: TTL });
  });
  afterEach(async () => {
    await store.close();
  });

  describe(`${name} session store: sessions`, () => {
    it('creates sessions with an id, a 32-char token and timestamps from the clock', async () => {
      const session = await store.sessions.create('acme', 'visitor-1');
      expect(session.id).toMatch(ID_PATTERN);
      expect(session.token).toHaveLength(32);
      expect(session).toMatchObject({
        siteKey: 'acme',
        visitorId: 'visitor-1',
        createdAt: clock,
        lastActiveAt: clock,
        nextSeq: 1,
      });
      expect((await store.sessions.create('acme')).id).not.toBe(session.id);
      expect(await store.sessions.get(session.id)).toEqual(session);
    });

    it('what it hands out cannot change the store (copies, or frozen)', async () => {
      const { id } = await store.sessions.create('acme');
      const sent = { ...visitor('a') };
      await store.history.append(id, sent);
      sent.text = 'changed by the writer';
      const [message] = await store.history.after(id, 0);
      try {
        message!.text = 'changed';
      } catch {
        // Frozen: the store's own copy refuses the change.
      }
      const session = await store.sessions.get(id);
      session!.token = 'changed';
      expect((await store.history.after(id, 0))[0]?.text).toBe('text of a');
      expect((await store.sessions.get(id))?.token).not.toBe('changed');
    });

    it('evicts an idle session on access, counting only touches as activity', async () => {
      const { id } = await store.sessions.create('acme');
      clock += TTL - 1;
      await store.sockets.bind(id, 'socket-a');
      await store.sessions.setPage(id, { url: 'https://x.test/', title: 'X' });
      await store.history.after(id, 0);
      await store.history.recent(id, 10);
      expect(await store.sessions.get(id)).toBeDefined();
      clock += 1;
      expect(await store.sessions.get(id)).toBeUndefined();
      // Deleted, not just hidden: turning the clock back does not revive it.
      clock -= 10;
      expect(await store.sessions.get(id)).toBeUndefined();
    });

    it('touch postpones eviction, and never moves activity back', async () => {
      const { id } = await store.sessions.create('acme');
      clock += TTL - 1;
      await store.sessions.touch(id, clock);
      await store.sessions.touch(id, clock - 5);
      clock += TTL - 1;
      expect((await store.sessions.get(id))?.lastActiveAt).toBe(1_000_000 + TTL - 1);
    });

    it('remembers the page; a page without a title keeps the last title', async () => {
      const { id } = await store.sessions.create('acme');
      await store.sessions.setPage(id, { url: 'https://x.test/a', title: 'A' });
      await store.sessions.setPage(id, { url: 'https://x.test/b' });
      expect(await store.sessions.get(id)).toMatchObject({ url: 'https://x.test/b', title: 'A' });
    });

    it('keeps a takeover on the record until it is handed back; not activity', async () => {
      const { id } = await store.sessions.create('acme');
      clock += 10;
      await store.sessions.setTakeover(id, { by: 'Ada', at: clock });
      const taken = await store.sessions.get(id);
      expect(taken?.takeover).toEqual({ by: 'Ada', at: clock });
      expect(taken?.lastActiveAt).toBe(1_000_000);
      // The dispatch reads it with the history, and the record survives other writes.
      await store.sessions.setPage(id, { url: 'https://x.test/' });
      await store.sessions.touch(id, clock);
      expect((await store.history.recent(id, 1))?.session.takeover).toEqual({
        by: 'Ada',
        at: clock,
      });
      taken!.takeover!.by = 'changed by a reader';
      expect((await store.sessions.get(id))?.takeover?.by).toBe('Ada');
      await store.sessions.setTakeover(id, { by: 'Grace', at: clock + 1 });
      expect((await store.sessions.get(id))?.takeover).toEqual({ by: 'Grace', at: clock + 1 });
      await store.sessions.setTakeover(id, undefined);
      const handedBack = await store.sessions.get(id);
      expect(handedBack).toBeDefined();
      expect(handedBack?.takeover).toBeUndefined();
      await expect(
        store.sessions.setTakeover('nope', { by: 'Ada', at: clock }),
      ).rejects.toBeInstanceOf(SessionNotFoundError);
    });

    it('keeps the identity on the record, the latest replacing the earlier; not activity', async () => {
      const { id } = await store.sessions.create('acme');
      expect((await store.sessions.get(id))?.identity).toBeUndefined();
      clock += 10;
      await store.sessions.setIdentity(id, { userId: 'u-42', verified: true });
      const identified = await store.sessions.get(id);
      expect(identified?.identity).toEqual({ userId: 'u-42', verified: true });
      expect(identified?.lastActiveAt).toBe(1_000_000);
      identified!.identity!.userId = 'changed by a reader';
      await store.sessions.setPage(id, { url: 'https://x.test/' });
      expect((await store.history.recent(id, 1))?.session.identity).toEqual({
        userId: 'u-42',
        verified: true,
      });
      await store.sessions.setIdentity(id, { userId: 'u-7', verified: false });
      expect((await store.sessions.get(id))?.identity).toEqual({ userId: 'u-7', verified: false });
      await expect(
        store.sessions.setIdentity('nope', { userId: 'u-42', verified: true }),
      ).rejects.toBeInstanceOf(SessionNotFoundError);
    });

    it('refuses an append unlessTakenOver while taken over, storing nothing; others go on', async () => {
      const { id } = await store.sessions.create('acme');
      const agent = (mid: string) => ({ id: mid, author: 'agent' as const, text: mid, at: clock });
      expect(await store.history.append(id, agent('a1'), { unlessTakenOver: true })).toEqual({
        seq: 1,
        duplicate: false,
      });
      await store.sessions.setTakeover(id, { by: 'Ada', at: clock });
      await expect(
        store.history.append(id, agent('a2'), { unlessTakenOver: true }),
      ).rejects.toBeInstanceOf(TakenOverError);
      // The operator's own messages (and the visitor's) are stored as ever.
      expect(await store.history.append(id, { ...agent('op'), name: 'Ada' })).toEqual({
        seq: 2,
        duplicate: false,
      });
      await store.sessions.setTakeover(id, undefined);
      expect(await store.history.append(id, agent('a3'), { unlessTakenOver: true })).toEqual({
        seq: 3,
        duplicate: false,
      });
      expect((await store.history.after(id, 0)).map((m) => m.id)).toEqual(['a1', 'op', 'a3']);
    });

    it('throws SessionNotFoundError for operations on an unknown or evicted session', async () => {
      const { id } = await store.sessions.create('acme');
      clock += TTL;
      await expect(store.history.append(id, visitor('a'))).rejects.toBeInstanceOf(
        SessionNotFoundError,
      );
      await expect(store.history.after('nope', 0)).rejects.toMatchObject({
        code: 'session_not_found',
      });
      await expect(store.sessions.touch('nope', clock)).rejects.toBeInstanceOf(
        SessionNotFoundError,
      );
      await expect(store.tasks.get('nope')).rejects.toBeInstanceOf(SessionNotFoundError);
      expect(await store.history.recent('nope', 10)).toBeUndefined();
      expect(await store.sockets.unbind('nope', 'a')).toBe(false);
    });

    it('sweep evicts idle sessions and returns their ids', async () => {
      const idle = await store.sessions.create('acme');
      clock += TTL / 2;
      const active = await store.sessions.create('acme');
      clock += TTL / 2;
      expect(await store.sessions.sweep(clock)).toEqual([idle.id]);
      expect(await store.sessions.get(idle.id)).toBeUndefined();
      expect(await store.sessions.get(active.id)).toBeDefined();
      expect(await store.sessions.sweep(clock)).toEqual([]);
    });

    it('counts the sessions it holds', async () => {
      expect(await store.sessions.count()).toBe(0);
      const a = await store.sessions.create('acme');
      await store.sessions.create('other');
      expect(await store.sessions.count()).toBe(2);
      await store.sessions.delete(a.id);
      clock += TTL;
      await store.sessions.sweep(clock);
      expect(await store.sessions.count()).toBe(0);
    });

    it("a site's own idle TTL overrides the default for that site's sessions, on access and in sweeps", async () => {
      await remake({ siteIdleTtlMs: (siteKey) => ({ brief: 1000, patient: 10 * TTL })[siteKey] });
      const brief = await store.sessions.create('brief');
      const patient = await store.sessions.create('patient');
      const plain = await store.sessions.create('acme');
      clock += 999;
      expect(await store.sessions.get(brief.id)).toBeDefined();
      clock += 1;
      expect(await store.sessions.get(brief.id)).toBeUndefined();
      clock += TTL;
      expect(await store.sessions.sweep(clock)).toEqual([plain.id]);
      expect(await store.sessions.get(patient.id)).toBeDefined();
      clock += 9 * TTL;
      expect(await store.sessions.sweep(clock)).toEqual([patient.id]);
    });

    it('delete removes the session and all it holds', async () => {
      const { id } = await store.sessions.create('acme', 'v1');
      await store.history.append(id, visitor('m1'));
      await store.values.save(id, 'k', 1);
      expect(await store.sessions.delete(id)).toBe(true);
      expect(await store.sessions.delete(id)).toBe(false);
      expect(await store.sessions.get(id)).toBeUndefined();
      await expect(store.history.after(id, 0)).rejects.toBeInstanceOf(SessionNotFoundError);
      await expect(store.values.get(id, 'k')).rejects.toBeInstanceOf(SessionNotFoundError);
    });
  });

  describe(`${name} session store: history`, () => {
    it('numbers messages in order and dedupes by message id', async () => {
      const { id } = await store.sessions.create('acme');
      expect(await store.history.append(id, visitor('m1'))).toEqual({ seq: 1, duplicate: false });
      expect(await store.history.append(id, visitor('m2'))).toEqual({ seq: 2, duplicate: false });
      expect(await store.history.append(id, visitor('m1', 'resent'))).toEqual({
        seq: 1,
        duplicate: true,
      });
      const history = await store.history.after(id, 0);
      expect(history.map((m) => [m.id, m.seq, m.text])).toEqual([
        ['m1', 1, 'text of m1'],
        ['m2', 2, 'text of m2'],
      ]);
      expect((await store.sessions.get(id))?.nextSeq).toBe(3);
    });

    it('keeps every field of a message', async () => {
      const { id } = await store.sessions.create('acme');
      const asked: ChatMessage = {
        id: 'q1',
        author: 'agent',
        text: 'Your email?',
        at: 5,
        asks: 'email',
      };
      const signed: ChatMessage = { id: 'o1', author: 'agent', text: 'Hi', at: 6, name: 'Ada' };
      const notice: ChatMessage = { id: 's1', author: 'system', text: 'Sorry', at: 7 };
      await store.history.append(id, asked);
      await store.history.append(id, visitor('m1'));
      await store.history.append(id, signed);
      await store.history.append(id, notice);
      expect(await store.history.after(id, 0)).toStrictEqual([
        { ...asked, seq: 1 },
        { ...visitor('m1'), seq: 2 },
        { ...signed, seq: 3 },
        { ...notice, seq: 4 },
      ]);
    });

    it('returns only messages after a seq', async () => {
      const { id } = await store.sessions.create('acme');
      for (const m of ['a', 'b', 'c', 'd']) await store.history.append(id, visitor(m));
      expect((await store.history.after(id, 2)).map((m) => m.id)).toEqual(['c', 'd']);
      expect(await store.history.after(id, 4)).toEqual([]);
    });

    it('recent: the session and its newest messages, oldest first', async () => {
      const { id } = await store.sessions.create('acme');
      expect(await store.history.recent(id, 3)).toMatchObject({ session: { id }, messages: [] });
      for (const m of ['a', 'b', 'c', 'd']) await store.history.append(id, visitor(m));
      const recent = await store.history.recent(id, 3);
      expect(recent?.messages.map((m) => [m.id, m.seq])).toEqual([
        ['b', 2],
        ['c', 3],
        ['d', 4],
      ]);
      expect(recent?.session).toEqual(await store.sessions.get(id));
      expect((await store.history.recent(id, 10))?.messages).toHaveLength(4);
    });

    it('keeps at most maxHistory messages, dropping the oldest (and forgetting their ids)', async () => {
      const { id } = await (await remake({ maxHistory: 3 })).sessions.create('acme');
      for (const m of ['a', 'b', 'c', 'd', 'e']) await store.history.append(id, visitor(m));
      expect((await store.history.after(id, 0)).map((m) => [m.id, m.seq])).toEqual([
        ['c', 3],
        ['d', 4],
        ['e', 5],
      ]);
      expect((await store.history.after(id, 3)).map((m) => m.id)).toEqual(['d', 'e']);
      expect((await store.history.recent(id, 2))?.messages.map((m) => m.id)).toEqual(['d', 'e']);
      // 'a' was forgotten: sent again, it is a new message.
      expect(await store.history.append(id, visitor('a'))).toEqual({ seq: 6, duplicate: false });
    });

    it('recent follows what was appended since the last call, whatever the limit, past the history cap', async () => {
      const { id } = await (await remake({ maxHistory: 5 })).sessions.create('acme');
      const ids = async (limit: number) =>
        (await store.history.recent(id, limit))?.messages.map((m) => `${m.id}${m.seq}`);
      for (const m of ['a', 'b', 'c']) await store.history.append(id, visitor(m));
      expect(await ids(2)).toEqual(['b2', 'c3']);
      expect(await ids(2)).toEqual(['b2', 'c3']);
      await store.history.append(id, visitor('d'));
      // A resend of c stores nothing new.
      await store.history.append(id, visitor('c'));
      expect(await ids(2)).toEqual(['c3', 'd4']);
      expect(await ids(4)).toEqual(['a1', 'b2', 'c3', 'd4']);
      expect(await ids(1)).toEqual(['d4']);
      // Past the cap of 5: a, b and c are dropped.
      for (const m of ['e', 'f', 'g', 'h']) await store.history.append(id, visitor(m));
      expect(await ids(3)).toEqual(['f6', 'g7', 'h8']);
      expect(await ids(50)).toEqual(['d4', 'e5', 'f6', 'g7', 'h8']);
      expect(await ids(0)).toEqual([]);
      // A caller that changes the list it got changes nothing stored.
      (await store.history.recent(id, 2))?.messages.pop();
      expect(await ids(2)).toEqual(['g7', 'h8']);
      // after(), between reads of the newest and appends, past the cap again.
      const messagesAfter = async (seq: number) =>
        (await store.history.after(id, seq)).map((m) => `${m.id}${m.seq}`);
      expect(await messagesAfter(0)).toEqual(['d4', 'e5', 'f6', 'g7', 'h8']);
      await store.history.append(id, visitor('i'));
      expect(await ids(1)).toEqual(['i9']);
      expect(await messagesAfter(0)).toEqual(['e5', 'f6', 'g7', 'h8', 'i9']);
      expect(await messagesAfter(7)).toEqual(['h8', 'i9']);
      expect(await messagesAfter(2)).toEqual(['e5', 'f6', 'g7', 'h8', 'i9']);
      expect(await messagesAfter(9)).toEqual([]);
      expect(await messagesAfter(20)).toEqual([]);
      (await store.history.after(id, 0)).pop();
      expect(await messagesAfter(7)).toEqual(['h8', 'i9']);
      await store.sessions.delete(id);
      expect(await store.history.recent(id, 2)).toBeUndefined();
    });

    it('appendVisitor stores the message of the bound socket, as activity from its page', async () => {
      const { id } = await store.sessions.create('acme');
      await store.sockets.bind(id, 'socket-a');
      clock += 1000;
      const message = visitor('m1');
      const first = await store.history.appendVisitor(id, message, {
        socketId: 'socket-a',
        at: clock,
        url: 'https://x.test/pricing',
      });
      expect(first).toMatchObject({ ok: true, seq: 1, duplicate: false });
      expect(first.ok && first.session).toEqual(await store.sessions.get(id));
      expect(await store.sessions.get(id)).toMatchObject({
        lastActiveAt: clock,
        url: 'https://x.test/pricing',
      });
      // A resend is neither stored again nor activity; an empty url keeps the page.
      clock += 1000;
      const again = await store.history.appendVisitor(id, message, {
        socketId: 'socket-a',
        at: clock,
        url: '',
      });
      expect(again).toMatchObject({ ok: true, seq: 1, duplicate: true });
      expect((await store.sessions.get(id))?.lastActiveAt).toBe(clock - 1000);
      const next = await store.history.appendVisitor(id, visitor('m2'), {
        socketId: 'socket-a',
        at: clock,
        url: '',
      });
      expect(next).toMatchObject({ ok: true, seq: 2, session: { url: 'https://x.test/pricing' } });
      expect(await store.history.after(id, 0)).toHaveLength(2);
    });

    it('appendVisitor refuses a socket that does not hold the session, storing nothing', async () => {
      const { id } = await store.sessions.create('acme');
      const from = { socketId: 'socket-a', at: clock, url: '' };
      expect(await store.history.appendVisitor(id, visitor('m0'), from)).toEqual({
        ok: false,
        reason: 'not_bound',
      });
      await store.sockets.bind(id, 'socket-a');
      await store.sockets.bind(id, 'socket-b');
      expect(await store.history.appendVisitor(id, visitor('m1'), from)).toEqual({
        ok: false,
        reason: 'not_bound',
      });
      expect(await store.history.after(id, 0)).toEqual([]);
      await expect(store.history.appendVisitor('nope', visitor('m1'), from)).rejects.toBeInstanceOf(
        SessionNotFoundError,
      );
    });
  });

  describe(`${name} session store: sockets`, () => {
    it('binds one socket per session: newer wins and reports the older', async () => {
      const { id } = await store.sessions.create('acme');
      expect(await store.sockets.bind(id, 'a')).toBeUndefined();
      expect(await store.sockets.bind(id, 'a')).toBeUndefined();
      expect(await store.sockets.bind(id, 'b')).toBe('a');
      expect((await store.sessions.get(id))?.boundSocket).toBe('b');
      // The older socket leaving must not unbind the newer one.
      expect(await store.sockets.unbind(id, 'a')).toBe(false);
      expect((await store.sessions.get(id))?.boundSocket).toBe('b');
      expect(await store.sockets.unbind(id, 'b')).toBe(true);
      expect((await store.sessions.get(id))?.boundSocket).toBeUndefined();
    });
  });

  describe(`${name} session store: values and visitor details`, () => {
    it('gets, saves, evicts, fetches all and clears with a retain list', async () => {
      const { id } = await store.sessions.create('acme');
      expect(await store.values.get(id, 'plan')).toBeUndefined();
      await store.values.save(id, 'plan', 'pro');
      await store.values.save(id, 'cart', { items: [1, 2], total: 58 });
      await store.values.save(id, 'step', 3);
      expect(await store.values.get(id, 'cart')).toEqual({ items: [1, 2], total: 58 });
      expect(await store.values.fetchAll(id)).toEqual({
        plan: 'pro',
        cart: { items: [1, 2], total: 58 },
        step: 3,
      });
      expect(await store.values.evict(id, 'step')).toBe(true);
      expect(await store.values.evict(id, 'step')).toBe(false);
      await store.values.clear(id, ['plan']);
      expect(await store.values.fetchAll(id)).toEqual({ plan: 'pro' });
      await store.values.clear(id);
      expect(await store.values.fetchAll(id)).toEqual({});
    });

    it('keeps values per session, copied in and out', async () => {
      const a = await store.sessions.create('acme');
      const b = await store.sessions.create('acme');
      const value = { n: 1 };
      await store.values.save(a.id, 'k', value);
      value.n = 2;
      const read = (await store.values.get(a.id, 'k')) as { n: number };
      read.n = 3;
      expect(await store.values.get(a.id, 'k')).toEqual({ n: 1 });
      expect(await store.values.get(b.id, 'k')).toBeUndefined();
    });

    it('drops values with their session, and refuses an unknown session', async () => {
      const { id } = await store.sessions.create('acme');
      await store.values.save(id, 'k', 1);
      clock += TTL;
      await expect(store.values.get(id, 'k')).rejects.toBeInstanceOf(SessionNotFoundError);
      await expect(store.values.save('nope', 'k', 1)).rejects.toBeInstanceOf(SessionNotFoundError);
    });

    it('keeps site values per site, beyond any session', async () => {
      await store.siteValues.save('acme', 'banner', 'Sale!');
      await store.siteValues.save('other', 'banner', 'Hello');
      expect(await store.siteValues.get('acme', 'banner')).toBe('Sale!');
      expect(await store.siteValues.fetchAll('other')).toEqual({ banner: 'Hello' });
      clock += TTL * 10;
      expect(await store.siteValues.get('acme', 'banner')).toBe('Sale!');
      expect(await store.siteValues.evict('acme', 'banner')).toBe(true);
      expect(await store.siteValues.evict('acme', 'banner')).toBe(false);
      expect(await store.siteValues.fetchAll('acme')).toEqual({});
    });

    it('merges visitor details, ignoring empty ones', async () => {
      const { id } = await store.sessions.create('acme');
      expect(await store.visitors.get(id)).toEqual({});
      expect(await store.visitors.save(id, { name: ' Ada ', email: '' })).toEqual({
        name: 'Ada',
      });
      expect(await store.visitors.save(id, { email: 'ada@example.com' })).toEqual({
        name: 'Ada',
        email: 'ada@example.com',
      });
      expect(await store.visitors.get(id)).toEqual({ name: 'Ada', email: 'ada@example.com' });
    });
  });

  describe(`${name} session store: waits`, () => {
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
      const { id } = await store.sessions.create('acme', 'visitor-1');
      expect(await store.waits.add(id, wait('contact'))).toEqual({
        ...wait('contact'),
        sessionId: id,
        siteKey: 'acme',
        visitorId: 'visitor-1',
      });
      expect((await store.waits.list({ sessionId: id })).map((w) => w.scope)).toEqual(['contact']);
    });

    it('the next message takes the oldest wait, once', async () => {
      const { id } = await store.sessions.create('acme');
      await store.waits.add(id, wait('contact', 1));
      await store.waits.add(id, wait('survey', 2));
      expect((await store.waits.take(id))?.scope).toBe('contact');
      expect((await store.waits.take(id))?.scope).toBe('survey');
      expect(await store.waits.take(id)).toBeUndefined();
    });

    it('expires a wait at its TTL, on access and in the sweep', async () => {
      const { id } = await store.sessions.create('acme');
      await store.waits.add(id, wait('contact'));
      clock += WAIT_TTL - 1;
      expect(await store.waits.list({ sessionId: id })).toHaveLength(1);
      clock += 1;
      expect(await store.waits.list({ sessionId: id })).toEqual([]);
      expect(await store.waits.take(id)).toBeUndefined();

      await store.waits.add(id, wait('later'));
      clock += WAIT_TTL;
      await store.sessions.touch(id, clock);
      await store.sessions.sweep(clock);
      clock -= WAIT_TTL; // Swept, not hidden: turning the clock back does not revive it.
      expect(await store.waits.list({ sessionId: id })).toEqual([]);
    });

    it('lists a visitor’s waits across sessions of one site only', async () => {
      const a = await store.sessions.create('acme', 'v1');
      const b = await store.sessions.create('acme', 'v1');
      const other = await store.sessions.create('other', 'v1');
      const stranger = await store.sessions.create('acme', 'v2');
      for (const { id } of [a, b, other, stranger]) await store.waits.add(id, wait('contact'));
      const listed = await store.waits.list({ siteKey: 'acme', visitorId: 'v1' });
      expect(listed.map((w) => w.sessionId).sort()).toEqual([a.id, b.id].sort());
    });

    it('clears waits of a session, of one scope or all, and of a visitor', async () => {
      const a = await store.sessions.create('acme', 'v1');
      const b = await store.sessions.create('acme', 'v1');
      await store.waits.add(a.id, wait('contact', 1));
      await store.waits.add(a.id, wait('survey', 2));
      await store.waits.add(b.id, wait('contact', 1));
      expect(await store.waits.clear({ sessionId: a.id }, 'survey')).toBe(1);
      expect((await store.waits.list({ sessionId: a.id })).map((w) => w.scope)).toEqual([
        'contact',
      ]);
      expect(await store.waits.clear({ siteKey: 'acme', visitorId: 'v1' })).toBe(2);
      expect(await store.waits.list({ siteKey: 'acme', visitorId: 'v1' })).toEqual([]);
      expect(await store.waits.clear({ sessionId: a.id })).toBe(0);
    });
  });

  describe(`${name} session store: tasks`, () => {
    const task = (id: string, version = 1, deadline?: number): TaskState => ({
      id,
      version,
      label: 'Showing pricing',
      steps: [{ type: 'say', text: 'hi' }],
      step: 0,
      status: 'held',
      ...(deadline !== undefined ? { deadline } : {}),
      createdAt: clock,
      updatedAt: clock,
    });

    it('saves, reads (a copy) and deletes only the named task; the record names it', async () => {
      const { id } = await store.sessions.create('acme');
      expect(await store.tasks.get(id)).toBeUndefined();
      expect((await store.sessions.get(id))?.taskId).toBeUndefined();
      expect(await store.tasks.save(id, task('t1'))).toBe(true);
      const read = await store.tasks.get(id);
      expect(read).toEqual(task('t1'));
      read!.step = 5;
      expect((await store.tasks.get(id))?.step).toBe(0);
      expect((await store.sessions.get(id))?.taskId).toBe('t1');
      expect((await store.history.recent(id, 1))?.session.taskId).toBe('t1');
      expect(await store.tasks.delete(id, 't2')).toBe(false);
      expect(await store.tasks.delete(id, 't1')).toBe(true);
      expect(await store.tasks.get(id)).toBeUndefined();
      expect((await store.sessions.get(id))?.taskId).toBeUndefined();
    });

    it('writes are versioned: only the next version of the stored task is written', async () => {
      const { id } = await store.sessions.create('acme');
      // A first write is version 1.
      expect(await store.tasks.save(id, task('t1', 2))).toBe(false);
      expect(await store.tasks.save(id, task('t1', 1))).toBe(true);
      // Another task cannot replace it, nor can a stale or skipped version.
      expect(await store.tasks.save(id, task('t2', 1))).toBe(false);
      expect(await store.tasks.save(id, task('t1', 1))).toBe(false);
      expect(await store.tasks.save(id, task('t1', 3))).toBe(false);
      expect(await store.tasks.save(id, { ...task('t1', 2), step: 1 })).toBe(true);
      expect(await store.tasks.get(id)).toMatchObject({ id: 't1', version: 2, step: 1 });
      // An ended task cannot be written back by someone holding an older copy.
      expect(await store.tasks.delete(id, 't1')).toBe(true);
      expect(await store.tasks.save(id, task('t1', 3))).toBe(false);
      expect(await store.tasks.get(id)).toBeUndefined();
      await expect(store.tasks.save('nope', task('t3'))).rejects.toBeInstanceOf(
        SessionNotFoundError,
      );
    });

    it('reports sessions whose task deadline passed', async () => {
      const due = await store.sessions.create('acme');
      const afterwards = await store.sessions.create('acme');
      const none = await store.sessions.create('acme');
      await store.tasks.save(due.id, task('t1', 1, clock + 100));
      await store.tasks.save(afterwards.id, task('t2', 1, clock + 200));
      await store.tasks.save(none.id, task('t3'));
      expect(await store.tasks.due(clock + 99)).toEqual([]);
      expect(await store.tasks.due(clock + 100)).toEqual([due.id]);
      expect((await store.tasks.due(clock + 200)).sort()).toEqual([due.id, afterwards.id].sort());
    });
  });

  describe(`${name} session store: lock`, () => {
    it("runs one session's work in call order, even when an earlier one is slower", async () => {
      const order: string[] = [];
      await Promise.all([
        store.lock.run('s', async () => {
          await later(20);
          order.push('first');
        }),
        store.lock.run('s', async () => {
          order.push('second');
        }),
      ]);
      expect(order).toEqual(['first', 'second']);
    });

    it('runs different sessions concurrently', async () => {
      const order: string[] = [];
      await Promise.all([
        store.lock.run('a', async () => {
          await later(20);
          order.push('a');
        }),
        store.lock.run('b', async () => {
          order.push('b');
        }),
      ]);
      expect(order).toEqual(['b', 'a']);
    });

    it('keeps going after a failed work and passes results through', async () => {
      const failed = store.lock.run('s', async () => {
        throw new Error('boom');
      });
      const next = store.lock.run('s', async () => 42);
      await expect(failed).rejects.toThrow('boom');
      await expect(next).resolves.toBe(42);
    });

    it('idle waits for the work started so far', async () => {
      let done = false;
      void store.lock.run('s', async () => {
        await later(10);
        done = true;
      });
      await store.lock.idle();
      expect(done).toBe(true);
    });
  });
}

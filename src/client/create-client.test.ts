import { describe, expect, it, vi } from 'vitest';
import {
  drained,
  FakeServer,
  fakeLocalStorage,
  fakeLocks,
  fakeTabBus,
  fakeTimers,
  laggingLocalStorage,
} from './client-fakes.js';
import { createClient } from './create-client.js';
import { memoryHistory, type StoredMessage } from './storage/history.js';
import type { ClientOptions, LeFluxClient } from './types.js';

/**
 * One browser profile: its localStorage, IndexedDB (in memory), tabs channel, Web Locks and
 * timers, shared by the clients (tabs) `make` creates. `locks: null`: a browser without Web Locks.
 */
function setup(
  server = new FakeServer(),
  { locks = fakeLocks() as LockManager | null, local = fakeLocalStorage() } = {},
) {
  const clock = { t: 1_000 };
  const history = memoryHistory();
  const bus = fakeTabBus();
  const timers = fakeTimers();
  const make = (extra: Partial<ClientOptions> = {}) =>
    createClient({
      server: 'http://chat.test',
      siteKey: 'acme',
      now: () => clock.t,
      schedule: timers.schedule,
      localStorage: () => local,
      history: async () => history,
      fetch: server.fetch,
      connect: server.connect,
      page: () => ({ url: 'http://site.test/', title: 'Site' }),
      tabs: bus,
      locks,
      ...extra,
    });
  return { server, local, history, clock, make, timers };
}

const texts = (messages: readonly { text: string }[]) => messages.map((m) => m.text);
const statuses = (client: LeFluxClient) => client.getState().messages.map((m) => m.status);
/** Waits until `count` visitor messages show as delivered in `client`. */
const sent = (client: LeFluxClient, count = 1) =>
  vi.waitFor(() =>
    expect(
      client.getState().messages.filter((m) => m.author === 'visitor' && m.status === 'sent'),
    ).toHaveLength(count),
  );

describe('createClient', () => {
  it('sends a message: shown at once as pending, then acked with a sequence and stored', async () => {
    const { make, server, history, local } = setup();
    const client = make();
    await client.ready();
    const message = await client.send('  hello  ');
    expect(message.text).toBe('hello');
    expect(statuses(client)).toEqual(['pending']);
    await sent(client);
    expect(client.getState().messages[0]?.seq).toBe(1);
    expect(texts(server.deliveries)).toEqual(['hello']);
    expect((await history.load('acme'))[0]).toMatchObject({
      text: 'hello',
      status: 'sent',
      sessionId: 's1',
    });
    expect(JSON.parse(local.getItem('leflux:sessionId')!).data).toMatchObject({
      id: 's1',
      token: 'ts1',
    });
    expect(client.getSession()).toEqual({ id: 's1', readOnly: false, connected: true });
  });

  it('shows agent replies and emits them', async () => {
    const { make, server } = setup();
    const client = make();
    const seen: string[] = [];
    client.on('message', (m) => seen.push(`${m.author}:${m.text}`));
    await client.send('hi');
    await sent(client);
    server.reply('Hello!');
    expect(texts(client.getState().messages)).toEqual(['hi', 'Hello!']);
    expect(seen).toEqual(['visitor:hi', 'agent:Hello!']);
  });

  it('a second client on the same storage renders the cache, then restores through the server', async () => {
    const { make, server } = setup();
    const first = make();
    await first.send('one');
    await sent(first);
    server.reply('two');
    first.destroy();

    const second = make();
    const restored = vi.fn();
    second.on('restore', restored);
    await second.ready();
    expect(texts(second.getState().messages)).toEqual(['one', 'two']);
    expect(restored).toHaveBeenCalledWith({ sessionId: 's1', messages: 2 });
    await vi.waitFor(() =>
      expect(server.inits.at(-1)).toMatchObject({ sessionId: 's1', lastSeq: 2 }),
    );
  });

  it('a page that loads with nothing stored opens no history and no socket', async () => {
    const { make, server } = setup();
    const opened = vi.fn(async () => memoryHistory());
    const client = make({ history: undefined });
    const spy = make({ history: opened });
    await Promise.all([client.ready(), spy.ready()]);
    // An injected history is opened (it may hold anything); the default one is asked first.
    expect(server.connected).toEqual([]);
    expect(client.getState()).toMatchObject({ phase: 'ready', messages: [], sessionId: null });
  });

  describe('when the server no longer has the session', () => {
    it('on a 404 restore keeps the cached messages as an earlier conversation and starts fresh only to send', async () => {
      const { make, server } = setup();
      const first = make();
      await first.send('before restart');
      await sent(first);
      first.destroy();
      server.sessions.clear(); // the server restarted with a memory store

      const second = make();
      await second.ready();
      expect(second.getState().messages[0]).toMatchObject({ text: 'before restart' });
      expect(second.getState().messages[0]?.archivedAt).toBeTypeOf('number');
      await drained();
      // Nothing to send: no new session, no socket.
      expect(server.sessions.size).toBe(0);
      expect(server.connected).toEqual(['client']);
      await second.send('after restart');
      await vi.waitFor(() => expect(second.getSession().id).toBe('s2'));
      await vi.waitFor(() => expect(second.getState().messages[1]?.status).toBe('sent'));
      expect(server.stored('s2')).toEqual(['after restart']);
    });

    it('an eviction told over the socket keeps the conversation, on this page and after reloads, until its 24 h pass', async () => {
      const { make, server, clock, history } = setup();
      const first = make();
      await first.send('hello');
      await sent(first);
      server.reply('Hi!');
      clock.t += 31 * 60_000;
      server.evict('s1');
      await vi.waitFor(() => expect(first.getSession().id).toBeNull());
      expect(first.getState().messages.every((m) => m.archivedAt !== undefined)).toBe(true);
      first.destroy();

      // A reload: the earlier conversation is there, and nothing asks the server about it.
      const asked = vi.fn(server.fetch);
      const second = make({ fetch: asked });
      await second.ready();
      expect(texts(second.getState().messages)).toEqual(['hello', 'Hi!']);
      expect(second.getState().messages.every((m) => m.archivedAt !== undefined)).toBe(true);
      expect(asked).not.toHaveBeenCalled();
      second.destroy();

      // 24 h after the session record was last written (at the delivery), it is all gone.
      clock.t = 1_000 + 24 * 3_600_000 - 1;
      const third = make();
      await third.ready();
      expect(third.getState().messages).toHaveLength(2);
      third.destroy();
      clock.t = 1_000 + 24 * 3_600_000 + 1;
      const fourth = make();
      await fourth.ready();
      expect(fourth.getState().messages).toEqual([]);
      expect(await history.load('acme')).toEqual([]);
    });
  });

  it('a long history: the newest messages show first, the rest is read before the restore lands', async () => {
    const { make, server, history } = setup();
    const first = make();
    await first.send('first');
    await sent(first);
    first.destroy();
    await history.put(
      Array.from({ length: 250 }, (_, i) => ({
        id: `m${i}`,
        author: 'agent' as const,
        text: `m${i}`,
        at: 10 + i,
        seq: i + 2,
        siteKey: 'acme',
        sessionId: 's1',
        status: 'sent' as const,
      })),
    );
    server.sessions.clear(); // the restore answers 404: everything becomes an earlier conversation
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = {
      ...history,
      load: async (siteKey: string) => gate.then(() => history.load(siteKey)),
      loadPages: async (siteKey: string, size: number, onPage: (m: StoredMessage[]) => void) =>
        gate.then(() => history.loadPages(siteKey, size, onPage)),
    };

    const second = make({ history: async () => slow });
    await vi.waitFor(() => expect(second.getState().phase).toBe('restoring'));
    const shown = second.getState().messages;
    expect(shown.length).toBeGreaterThanOrEqual(30);
    expect(shown.length).toBeLessThan(251);
    expect(shown.at(-1)?.text).toBe('m249');
    // The 404 has landed by now; it waits for the rest of the history.
    await drained();
    expect(second.getState().messages.every((m) => m.archivedAt === undefined)).toBe(true);
    release();
    await second.ready();
    const all = second.getState().messages;
    expect(all.map((m) => m.text)).toEqual([
      'first',
      ...Array.from({ length: 250 }, (_, i) => `m${i}`),
    ]);
    expect(all.every((m) => m.archivedAt !== undefined)).toBe(true);
    expect((await history.load('acme')).every((m) => m.archivedAt !== undefined)).toBe(true);
  });

  it('asks the server to restore while IndexedDB is still opening', async () => {
    const { make, server, history } = setup();
    const first = make();
    await first.send('hello');
    await sent(first);
    first.destroy();
    let release = () => {};
    const opening = new Promise<void>((resolve) => {
      release = resolve;
    });
    const asked: string[] = [];
    const second = make({
      history: () => opening.then(() => history),
      fetch: ((input: RequestInfo | URL, init?: RequestInit) => {
        asked.push(String(input));
        return server.fetch(input, init);
      }) as typeof fetch,
    });
    await vi.waitFor(() => expect(asked).toHaveLength(1));
    expect(second.getState().messages).toEqual([]);
    release();
    await second.ready();
    expect(texts(second.getState().messages)).toEqual(['hello']);
    expect(second.getState().phase).toBe('ready');
  });

  it('a restore answer that lands after another tab cleared the conversation is dropped', async () => {
    const { make, server, history } = setup();
    const first = make();
    await first.send('hello');
    await sent(first);
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const second = make({
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        await held;
        return server.fetch(input, init);
      }) as typeof fetch,
    });
    await vi.waitFor(() => expect(texts(second.getState().messages)).toEqual(['hello']));
    await first.clear();
    await vi.waitFor(() => expect(second.getState().messages).toEqual([]));
    release();
    await second.ready();
    expect(second.getState().messages).toEqual([]);
    expect(second.getState().phase).toBe('ready');
    expect(await history.load('acme')).toEqual([]);
  });

  it.each([
    ['with Web Locks', fakeLocks()],
    ['without Web Locks', null],
  ])(
    '%s, a tab that starts while the visitor opens and writes in another tab stays off the socket',
    async (_name, locks) => {
      const { make, server, history } = setup(new FakeServer(), { locks });
      let release = () => {};
      const opening = new Promise<void>((resolve) => {
        release = resolve;
      });
      const a = make({ connect: server.connector('a') });
      await a.ready();
      // Tab B's IndexedDB answers late: its start ends after A opened the window and wrote.
      const b = make({
        connect: server.connector('b'),
        history: () => opening.then(() => history),
      });
      a.open();
      await a.send('hello from A');
      await sent(a);
      release();
      await b.ready();
      await vi.waitFor(() => expect(texts(b.getState().messages)).toEqual(['hello from A']));
      await drained();
      expect(server.connected).toEqual(['a']);
      expect(server.sessions.size).toBe(1);
      expect(texts(server.deliveries)).toEqual(['hello from A']);
    },
  );

  describe('delivery', () => {
    it('a message the server never got is resent after a reload, and reaches it once', async () => {
      const { make, server } = setup();
      const first = make();
      await first.send('one');
      await sent(first);
      server.network = 'lost';
      await first.send('lost on the way');
      await drained();
      expect(statuses(first)).toEqual(['sent', 'pending']);
      first.destroy();
      server.network = 'ok';

      const second = make();
      await sent(second, 2);
      expect(texts(server.deliveries)).toEqual(['one', 'lost on the way']);
      expect(server.stored('s1')).toEqual(['one', 'lost on the way']);
    });

    it('a message stored while its ack was lost is not sent again after a reload: the restore shows it delivered', async () => {
      const { make, server } = setup();
      const first = make();
      await first.send('one');
      await sent(first);
      server.network = 'ackLost';
      await first.send('stored, answer lost');
      await drained();
      expect(statuses(first)).toEqual(['sent', 'pending']);
      first.destroy();
      server.network = 'ok';

      const second = make();
      await second.ready();
      await sent(second, 2);
      await drained();
      expect(texts(server.deliveries)).toEqual(['one', 'stored, answer lost']);
      expect(server.stored('s1')).toEqual(['one', 'stored, answer lost']);
      expect(second.getState().messages.map((m) => [m.text, m.seq])).toEqual([
        ['one', 1],
        ['stored, answer lost', 2],
      ]);
    });

    it('an unanswered delivery is tried again on the same socket after the retry delay; the server keeps one copy', async () => {
      const { make, server, timers } = setup();
      const client = make({ retryMs: 3_000 });
      await client.send('one');
      await sent(client);
      server.network = 'ackLost';
      await client.send('two');
      await drained();
      expect(texts(server.deliveries)).toEqual(['one', 'two']);
      server.network = 'ok';
      timers.advance(2_999);
      await drained();
      expect(texts(server.deliveries)).toEqual(['one', 'two']);
      timers.advance(1);
      await sent(client, 2);
      expect(texts(server.deliveries)).toEqual(['one', 'two', 'two']);
      expect(server.stored('s1')).toEqual(['one', 'two']);
    });

    it('a delivered message is never sent again: not after a reload, not by another tab', async () => {
      const { make, server } = setup();
      const a = make();
      await a.send('once');
      await sent(a);
      a.destroy();
      const b = make();
      const c = make();
      await Promise.all([b.ready(), c.ready()]);
      await b.send('twice?');
      await sent(b, 2);
      await sent(c, 2);
      await drained();
      expect(texts(server.deliveries)).toEqual(['once', 'twice?']);
    });
  });

  it('drops the session, widget state and history after the TTL', async () => {
    const { make, clock } = setup();
    const first = make();
    first.open();
    await first.send('hello');
    await sent(first);
    first.destroy();
    clock.t += 24 * 3_600_000 + 60_000;
    const second = make();
    await second.ready();
    expect(second.getState()).toMatchObject({ open: false, sessionId: null, messages: [] });
  });

  describe('when the server asks to wait (rate_limited, server_full)', () => {
    const limited = (code: string, retryAfter: number) => ({
      ok: false,
      error: { code, message: 'too many', retryAfter },
    });

    it('keeps a refused message pending, shows until when, and sends it after retryAfter, not sooner', async () => {
      const { make, server, timers, clock } = setup();
      const client = make({ retryMs: 3_000 });
      await client.send('first');
      await sent(client);
      server.refuse.visitor_message.push(limited('rate_limited', 20));
      await client.send('second');
      await vi.waitFor(() => expect(client.getState().retryAt).toBe(clock.t + 20_000));
      expect(statuses(client)).toEqual(['sent', 'pending']);
      timers.advance(19_000);
      await drained();
      expect(texts(server.deliveries)).toEqual(['first']);
      timers.advance(1_000);
      await sent(client, 2);
      expect(texts(server.deliveries)).toEqual(['first', 'second']);
      expect(client.getState().retryAt).toBeNull();
    });

    it('tries a refused session_init again after retryAfter', async () => {
      const { make, server, timers } = setup();
      const client = make({ retryMs: 3_000 });
      server.refuse.session_init.push(limited('server_full', 10));
      await client.send('hello');
      await vi.waitFor(() => expect(client.getState().retryAt).not.toBeNull());
      timers.advance(9_000);
      await drained();
      expect(server.inits).toHaveLength(1);
      timers.advance(1_000);
      await sent(client);
      expect(server.inits).toHaveLength(2);
      expect(client.getState().retryAt).toBeNull();
    });

    it("a handshake refused for the page's origin marks what waits as not sent, says so once, and stops", async () => {
      const { make, server, timers } = setup();
      const client = make();
      const errors: string[] = [];
      client.on('error', (e) => errors.push(e.code));
      const log = vi.spyOn(console, 'error').mockImplementation(() => {});
      server.handshakeRefusal = 'pages on x may not use site acme';
      await client.send('hello');
      await vi.waitFor(() => expect(statuses(client)).toEqual(['failed']));
      timers.advance(60_000);
      await drained();
      expect(errors).toEqual(['origin_not_allowed']);
      expect(server.sockets).toHaveLength(1);
      expect(log).toHaveBeenCalledOnce();
      log.mockRestore();
    });
  });

  it('when the connection code fails to load (the server or the network down), tries again and delivers', async () => {
    const { make, server, timers } = setup();
    let failures = 2;
    const client = make({
      retryMs: 3_000,
      connect: async (options) => {
        if (failures-- > 0) throw new TypeError('Failed to fetch dynamically imported module');
        return server.connect(options);
      },
    });
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.code));
    await client.send('written while the server was down');
    await drained();
    expect(statuses(client)).toEqual(['pending']);
    timers.advance(3_000);
    await drained();
    timers.advance(3_000);
    await sent(client);
    expect(texts(server.deliveries)).toEqual(['written while the server was down']);
    // Said once, not at every attempt.
    expect(errors).toEqual(['connect_failed']);
  });

  it('refuses an empty or over-long message: rejects with invalid_message, emits it, stores nothing', async () => {
    const { make } = setup();
    const client = make();
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.code));
    await expect(client.send('x'.repeat(4001))).rejects.toMatchObject({ code: 'invalid_message' });
    await expect(client.send('   ')).rejects.toMatchObject({ code: 'invalid_message' });
    await expect(client.send(42 as unknown as string)).rejects.toMatchObject({
      code: 'invalid_message',
    });
    expect(errors).toEqual(['invalid_message', 'invalid_message', 'invalid_message']);
    expect(client.getState().messages).toEqual([]);
  });

  it('remembers the open state; defaultOpen applies only without a stored state', async () => {
    const { make } = setup();
    const first = make({ defaultOpen: true });
    expect(first.getState().open).toBe(true);
    first.close();
    first.destroy();
    expect(make({ defaultOpen: true }).getState().open).toBe(false);
  });

  it('keeps the draft with the window state: across a reload, in every tab, and cleared by sending', async () => {
    const { make, local } = setup();
    const a = make();
    const b = make();
    a.open();
    a.setDraft('I would like');
    expect(a.getState().draft).toBe('I would like');
    await vi.waitFor(() => expect(b.getState().draft).toBe('I would like'));
    expect(JSON.parse(local.getItem('leflux:widget')!).data).toEqual({
      open: true,
      draft: 'I would like',
    });
    a.destroy();
    const reloaded = make();
    expect(reloaded.getState().draft).toBe('I would like');
    await reloaded.send(reloaded.getState().draft);
    reloaded.setDraft('');
    await vi.waitFor(() => expect(b.getState().draft).toBe(''));
    expect(JSON.parse(local.getItem('leflux:widget')!).data).toEqual({ open: true });
  });

  it('counts replies that come while the window is closed: in every tab, across a reload, cleared by opening in any tab', async () => {
    const { make, server, local } = setup();
    const a = make();
    const b = make();
    const seenInB: number[] = [];
    b.on('unread', (count) => seenInB.push(count));
    await a.send('hello');
    await sent(a);
    server.reply('one');
    server.reply('two');
    expect(a.getState().unread).toBe(2);
    await vi.waitFor(() => expect(b.getState().unread).toBe(2));
    expect(seenInB).toEqual([1, 2]);
    expect(JSON.parse(local.getItem('leflux:widget')!).data).toEqual({ open: false, unread: 2 });

    // With every tab closed, a late reply: the next page finds the stored count at once, and
    // adds the reply it restores from the server; a tab opened after it counts nothing twice.
    a.destroy();
    b.destroy();
    await drained();
    server.reply('three');
    const reloaded = make();
    expect(reloaded.getState().unread).toBe(2);
    await reloaded.ready();
    expect(reloaded.getState().unread).toBe(3);
    const c = make();
    await c.ready();
    expect(c.getState().unread).toBe(3);

    // Opening the window in one tab clears it everywhere; replies while open are not counted.
    const seenInReloaded: number[] = [];
    reloaded.on('unread', (count) => seenInReloaded.push(count));
    c.open();
    await vi.waitFor(() => expect(reloaded.getState().unread).toBe(0));
    expect(seenInReloaded).toEqual([0]);
    expect(JSON.parse(local.getItem('leflux:widget')!).data).toEqual({ open: true });
    server.reply('four');
    await vi.waitFor(() => expect(texts(c.getState().messages)).toContain('four'));
    expect([reloaded.getState().unread, c.getState().unread]).toEqual([0, 0]);
  });

  it('drops an unread count that is not a sane number when reading it back', async () => {
    const { make, local } = setup();
    for (const unread of [-1, 1.5, 'x', 1e9]) {
      local.setItem(
        'leflux:widget',
        JSON.stringify({ v: 1, expiresAt: 1e15, data: { open: false, unread } }),
      );
      const client = make();
      expect(client.getState()).toMatchObject({ open: false, unread: 0 });
      client.destroy();
    }
  });

  it('mirrors messages, open state and clear between tabs', async () => {
    const { make, server, local } = setup();
    const a = make();
    const b = make();
    await Promise.all([a.ready(), b.ready()]);
    a.open();
    await vi.waitFor(() => expect(b.getState().open).toBe(true));

    await a.send('from A');
    await vi.waitFor(() =>
      expect(b.getState().messages.map((m) => [m.text, m.status])).toEqual([['from A', 'sent']]),
    );
    server.reply('answer');
    await vi.waitFor(() => expect(texts(b.getState().messages)).toEqual(['from A', 'answer']));

    await b.send('from B');
    await vi.waitFor(() =>
      expect(texts(a.getState().messages)).toEqual(['from A', 'answer', 'from B']),
    );
    await sent(a, 2);
    expect(texts(server.deliveries)).toEqual(['from A', 'from B']);

    await a.clear();
    await vi.waitFor(() => expect(b.getState().messages).toEqual([]));
    expect(b.getSession().id).toBeNull();
    expect(local.getItem('leflux:sessionId')).toBeNull();
  });

  describe('one socket per session, newer wins when a tab sends', () => {
    async function twoTabs(extra: Partial<ClientOptions> = {}) {
      const env = setup();
      const { make, server } = env;
      const a = make({ connect: server.connector('a'), ...extra });
      await a.send('hello');
      await sent(a);
      const b = make({ connect: server.connector('b'), ...extra });
      await b.ready();
      await vi.waitFor(() => expect(texts(b.getState().messages)).toEqual(['hello']));
      return { ...env, a, b };
    }

    it('a tab that loads or opens the window follows: no socket of its own, what the holder receives shows there', async () => {
      const { server, a, b } = await twoTabs();
      const takeovers = vi.fn();
      a.on('takeover', takeovers);
      b.open();
      server.reply('Hi!');
      await vi.waitFor(() => expect(texts(b.getState().messages)).toEqual(['hello', 'Hi!']));
      await drained();
      expect(server.connected).toEqual(['a']);
      expect(takeovers).not.toHaveBeenCalled();
      expect(a.getSession()).toEqual({ id: 's1', readOnly: false, connected: true });
      expect(b.getSession()).toEqual({ id: 's1', readOnly: false, connected: true });
    });

    it('sending takes the socket: the other tab is read-only for the hold, keeps its draft, and what it sends meanwhile is delivered once, by the holder', async () => {
      const { server, timers, a, b } = await twoTabs({ takeoverHoldMs: 2_000 });
      const takeovers = vi.fn();
      a.on('takeover', takeovers);
      a.setDraft('half a thought');
      await b.send('from B');
      await vi.waitFor(() => expect(a.getSession().readOnly).toBe(true));
      expect(takeovers).toHaveBeenCalledOnce();
      await sent(b, 2);
      await vi.waitFor(() => expect(server.holder()?.name).toBe('b'));
      expect(a.getState().draft).toBe('half a thought');

      // Sent from the read-only tab: it does not take the socket back; B delivers it.
      await a.send('meanwhile in A');
      await sent(a, 3);
      await drained();
      expect(server.connected).toEqual(['a', 'b']);
      expect(texts(server.deliveries)).toEqual(['hello', 'from B', 'meanwhile in A']);

      timers.advance(1_999);
      expect(a.getSession().readOnly).toBe(true);
      timers.advance(1);
      expect(a.getSession().readOnly).toBe(false);
      expect(a.getState().draft).toBe('half a thought');
      await drained();
      expect(b.getSession().readOnly).toBe(false);

      // After the hold, sending from A takes the socket back the same way.
      await a.send('back in A');
      await vi.waitFor(() => expect(b.getSession().readOnly).toBe(true));
      await sent(a, 4);
      await vi.waitFor(() => expect(server.holder()?.name).toBe('a'));
      expect(server.stored('s1')).toEqual(['hello', 'from B', 'meanwhile in A', 'back in A']);
    });

    it('when the holder goes away, a tab in line takes the socket at once, without a notice, and answers keep arriving', async () => {
      const { server, a, b } = await twoTabs();
      const takeovers = vi.fn();
      b.on('takeover', takeovers);
      a.destroy();
      await vi.waitFor(() => expect(server.holder()?.name).toBe('b'));
      server.reply('still here');
      await vi.waitFor(() => expect(texts(b.getState().messages)).toEqual(['hello', 'still here']));
      expect(b.getSession()).toEqual({ id: 's1', readOnly: false, connected: true });
      expect(takeovers).not.toHaveBeenCalled();
    });

    it('a session started in another tab is followed even when its record reaches this tab after the news', async () => {
      const storage = laggingLocalStorage();
      const { make, server } = setup();
      const a = make({ connect: server.connector('a'), localStorage: () => storage.tab() });
      const b = make({ connect: server.connector('b'), localStorage: () => storage.tab() });
      await Promise.all([a.ready(), b.ready()]);
      await b.send('hello');
      await sent(b);
      // A heard of the session from B before B's write of the record reached A's storage.
      await vi.waitFor(() => expect(a.getSession().id).toBe('s1'));
      storage.sync();
      b.destroy();
      await vi.waitFor(() => expect(server.holder()?.name).toBe('a'));
      server.reply('still here');
      await vi.waitFor(() => expect(texts(a.getState().messages)).toEqual(['hello', 'still here']));
    });

    it('without Web Locks, a tab connects for its own session at load and the server decides (as before)', async () => {
      const { make, server } = setup(new FakeServer(), { locks: null });
      const a = make({ connect: server.connector('a') });
      await a.send('hello');
      await sent(a);
      const b = make({ connect: server.connector('b') });
      await b.ready();
      await vi.waitFor(() => expect(a.getSession().readOnly).toBe(true));
      expect(server.holder()?.name).toBe('b');
    });
  });

  describe('what the server sends is checked', () => {
    it('a malformed agent message is dropped with invalid_message: not shown, not stored', async () => {
      const { make, server, history } = setup();
      const client = make();
      const errors: string[] = [];
      client.on('error', (e) => errors.push(e.code));
      await client.send('hi');
      await sent(client);
      const events = server.holder()!.events;
      events.agent_message({ id: 'x1', text: 42, at: 1, seq: 2 });
      events.agent_message({ id: 'x2', text: 'no seq', at: 1 });
      events.agent_message(null);
      events.agent_message({ id: 'x3', text: 'posing', at: 1, seq: 2, author: 'visitor' });
      events.agent_message({ id: 'ok', text: 'fine', at: 1, seq: 2 });
      expect(errors).toEqual([
        'invalid_message',
        'invalid_message',
        'invalid_message',
        'invalid_message',
      ]);
      expect(client.getState().messages.map((m) => [m.id, m.author])).toEqual([
        [client.getState().messages[0]?.id, 'visitor'],
        ['ok', 'agent'],
      ]);
      await drained();
      expect((await history.load('acme')).map((m) => m.id)).not.toContain('x1');
    });

    it('a session_init answer with a malformed missed message keeps the rest, and says what it left out', async () => {
      const { make, server } = setup();
      const first = make();
      await first.send('one');
      await sent(first);
      server.reply('two');
      first.destroy();
      server.tamper = (answer) => {
        const ack = answer as { missed?: unknown[] };
        if (Array.isArray(ack.missed)) ack.missed.push({ id: 'bad', author: 'agent', text: 1 });
        return answer;
      };
      const second = make({ history: async () => memoryHistory() });
      const errors: string[] = [];
      second.on('error', (e) => errors.push(e.message));
      await second.ready();
      await vi.waitFor(() => expect(texts(second.getState().messages)).toEqual(['one', 'two']));
      await drained();
      expect(errors).toEqual([expect.stringMatching(/1 missed message/)]);
    });

    it('a malformed ack leaves the message pending and says so', async () => {
      const { make, server } = setup();
      const client = make();
      await client.send('one');
      await sent(client);
      const errors: string[] = [];
      client.on('error', (e) => errors.push(e.code));
      server.tamper = () => ({ ok: true, seq: 'seven' });
      await client.send('two');
      await drained();
      expect(statuses(client)).toEqual(['sent', 'pending']);
      expect(errors).toEqual(['invalid_message']);
    });
  });

  it('runs the steps the agent sends, answers each once, and shows what the agent is doing', async () => {
    const { make, server } = setup();
    const runs: string[] = [];
    const client = make({
      runStep: async (action) => {
        runs.push(`${action.type}:${action.step}`);
        return action.type === 'highlight'
          ? { ok: true }
          : { ok: false, detail: 'no element matches #x' };
      },
    });
    const events: string[] = [];
    const errors: string[] = [];
    client.on('task', (t) => events.push(`${t.taskId}:${t.status}`));
    client.on('error', (e) => errors.push(e.code));
    await client.send('show me pricing');
    await sent(client);
    const socket = server.holder()!.events;

    const highlight = {
      taskId: 't1',
      step: 1,
      type: 'highlight',
      selector: '#plan-pro',
      label: 'Highlighting the Pro plan',
    };
    socket.action(highlight);
    await vi.waitFor(() => expect(server.actionResults).toHaveLength(1));
    expect(client.getState().task).toMatchObject({
      id: 't1',
      step: 1,
      stepLabel: 'Highlighting the Pro plan',
    });
    // The server re-sends a step whose answer it lost: answered again, not run again.
    socket.action(highlight);
    await vi.waitFor(() => expect(server.actionResults).toHaveLength(2));
    socket.action({ taskId: 't1', step: 2, type: 'click', selector: '#x', label: 'Clicking' });
    await vi.waitFor(() => expect(server.actionResults).toHaveLength(3));
    expect(runs).toEqual(['highlight:1', 'click:2']);
    expect(server.actionResults).toEqual([
      { taskId: 't1', step: 1, ok: true },
      { taskId: 't1', step: 1, ok: true },
      { taskId: 't1', step: 2, ok: false, detail: 'no element matches #x' },
    ]);
    // Malformed task events are dropped with an error: nothing run, nothing answered.
    socket.action({ taskId: 't1', step: 3, type: 'rm -rf', selector: '*' });
    socket.task_done({ taskId: ['t1'] });
    expect(errors).toEqual(['invalid_message', 'invalid_message']);
    socket.task_done({ taskId: 't1' });
    expect(client.getState().task).toBeNull();
    await drained();
    expect(runs).toHaveLength(2);
    expect(server.actionResults).toHaveLength(3);
    expect(events).toEqual(['t1:running', 't1:running', 't1:running', 't1:done']);
  });

  it('keeps the agent’s contact question and sends stored contact details with session_init', async () => {
    const { make, server } = setup();
    const client = make();
    await client.identify({ email: 'ada@example.com' });
    await client.send('contact me');
    await vi.waitFor(() => expect(server.inits).toHaveLength(1));
    expect(server.inits[0]?.contact).toEqual({ email: 'ada@example.com' });
    await sent(client);
    server.holder()!.events.agent_message({
      id: 'q1',
      text: 'What is your name?',
      at: 9,
      seq: 2,
      asks: 'name',
    });
    expect(client.getState().messages.at(-1)).toMatchObject({ id: 'q1', asks: 'name' });
  });

  describe('identify({ userId, userHash })', () => {
    const HASH = 'ab'.repeat(32);

    it('sends the claim with every session_init, and stores none of it in the browser', async () => {
      const { make, server, local } = setup();
      const client = make();
      await client.identify({ name: 'Ada', userId: 'u-42', userHash: HASH });
      await client.send('hi');
      await sent(client);
      expect(server.inits[0]).toMatchObject({
        contact: { name: 'Ada' },
        identity: { userId: 'u-42', userHash: HASH },
      });
      // Contact details alone later keep the claim; a new user id replaces it (at once: bound).
      await client.identify({ email: 'ada@example.com' });
      await vi.waitFor(() => expect(server.inits).toHaveLength(2));
      expect(server.inits[1]?.identity).toEqual({ userId: 'u-42', userHash: HASH });
      await drained();
      await client.identify({ userId: 'u-7' });
      await vi.waitFor(() => expect(server.inits).toHaveLength(3));
      expect(server.inits[2]?.identity).toEqual({ userId: 'u-7' });
      expect(JSON.stringify({ ...local })).not.toMatch(/u-42|u-7|abab/);
      for (let i = 0; i < local.length; i++) {
        expect(local.getItem(local.key(i) ?? '')).not.toMatch(/u-42|u-7|abab/);
      }
    });

    it('a claim made while session_init is on its way goes in the next one, right after it', async () => {
      const { make, server } = setup();
      let release!: () => void;
      server.initGate = new Promise((resolve) => {
        release = resolve;
      });
      const client = make();
      void client.send('hi');
      await vi.waitFor(() => expect(server.inits).toHaveLength(1));
      expect(server.inits[0]?.identity).toBeUndefined();
      await client.identify({ userId: 'u-42', userHash: HASH });
      release();
      await vi.waitFor(() => expect(server.inits).toHaveLength(2));
      expect(server.inits[1]?.identity).toEqual({ userId: 'u-42', userHash: HASH });
      await sent(client);
      await drained();
      expect(server.inits).toHaveLength(2);
    });

    it('rejects a malformed claim with invalid_identity and keeps the earlier one', async () => {
      const { make, server } = setup();
      const client = make();
      await client.identify({ userId: 'u-42', userHash: HASH });
      for (const bad of [{ userId: '' }, { userId: 'u-42', userHash: 'nope' }]) {
        await expect(client.identify(bad)).rejects.toMatchObject({
          name: 'LeFluxError',
          code: 'invalid_identity',
        });
      }
      await client.send('hi');
      await sent(client);
      expect(server.inits[0]?.identity).toEqual({ userId: 'u-42', userHash: HASH });
    });

    it('a hash the server refuses: the error event, and the chat binds again without it', async () => {
      const { make, server, timers } = setup();
      const client = make();
      const errors: string[] = [];
      client.on('error', (e) => errors.push(`${e.code}: ${e.message}`));
      server.refuse.session_init.push({
        ok: false,
        error: { code: 'invalid_identity', message: 'userHash is not the HMAC' },
      });
      await client.identify({ userId: 'u-42', userHash: HASH });
      await client.send('hi');
      await vi.waitFor(() =>
        expect(errors).toEqual(['invalid_identity: userHash is not the HMAC']),
      );
      // At once: nothing to wait for, the server changed nothing.
      timers.advance(0);
      await sent(client);
      expect(server.inits.map((init) => init.identity)).toEqual([
        { userId: 'u-42', userHash: HASH },
        undefined,
      ]);
      expect(texts(server.deliveries)).toEqual(['hi']);
    });
  });

  it('follows a site’s shorter retention, and never a longer one', async () => {
    const { make, server, local, clock } = setup();
    server.retention = { sessionTtlMs: 3_600_000, userTtlMs: 90 * 24 * 3_600_000 };
    const client = make();
    await client.identify({ name: 'Ada' });
    await client.send('hi');
    await sent(client);
    const expiry = (key: string) => JSON.parse(local.getItem(key)!).expiresAt - clock.t;
    expect(expiry('leflux:sessionId')).toBe(3_600_000);
    // 90 days asked, 30 days kept: a site can only shorten what the browser keeps.
    expect(expiry('leflux:user')).toBe(30 * 24 * 3_600_000);
  });

  it('a clear in another tab while this tab’s session_init is on its way leaves no session behind', async () => {
    const { make, server, local } = setup();
    let release!: () => void;
    server.initGate = new Promise((resolve) => {
      release = resolve;
    });
    const a = make();
    const b = make();
    await Promise.all([a.ready(), b.ready()]);
    void b.send('hi');
    await vi.waitFor(() => expect(server.inits).toHaveLength(1));
    await a.clear();
    await vi.waitFor(() => expect(b.getState().messages).toEqual([]));
    release();
    await drained();
    expect(local.getItem('leflux:sessionId')).toBeNull();
    expect(b.getSession().id).toBeNull();
  });

  it('an eviction that arrives after another tab cleared is that clear: nothing archived, nothing resurrected', async () => {
    const { make, server, local } = setup();
    const a = make();
    const b = make();
    await Promise.all([a.ready(), b.ready()]);
    await b.send('hello');
    await vi.waitFor(() => expect(statuses(a)).toEqual(['sent']));
    // Tab A's Clear removed the record; the server's purge reaches B before A's tab message.
    local.removeItem('leflux:sessionId');
    server.holder()!.events.session_evicted({});
    await drained();
    expect(b.getState().messages).toEqual([]);
    expect(a.getState().messages.filter((m) => m.archivedAt !== undefined)).toEqual([]);
  });
});

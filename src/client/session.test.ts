import { describe, expect, it, vi } from 'vitest';
import type {
  ChatMessage,
  Failure,
  SessionInitOk,
  SessionInitPayload,
  VisitorMessageOk,
  VisitorMessagePayload,
} from '../protocol/index.js';
import { createClient } from './session.js';
import { memoryHistory, type StoredMessage } from './storage/history.js';
import type { TabMessage, TabSync } from './tabs/tab-sync.js';
import type { Connection, ConnectionEvents, ConnectionOptions } from './transport/connection.js';
import type { ClientOptions } from './types.js';

/** Tabs of one browser in one test: what one posts, the others receive (asynchronously, like BroadcastChannel). */
function fakeTabBus() {
  const tabs = new Set<(m: TabMessage) => void>();
  return (onMessage: (m: TabMessage) => void): TabSync => {
    tabs.add(onMessage);
    return {
      transport: 'broadcast-channel',
      post: (m) => {
        const copy = structuredClone(m);
        for (const tab of tabs) if (tab !== onMessage) queueMicrotask(() => tab(copy));
      },
      close: () => void tabs.delete(onMessage),
    };
  };
}

/** A Storage backed by a Map, shared between client instances like a real profile's localStorage. */
function fakeLocalStorage(): Storage {
  const map = new Map<string, string>();
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, String(v)),
    removeItem: (k: string) => void map.delete(k),
    clear: () => map.clear(),
    key: (i: number) => [...map.keys()][i] ?? null,
    get length() {
      return map.size;
    },
  };
}

/** An in-memory stand-in for the server side of the socket, enough to drive the session. */
class FakeServer {
  sessions = new Map<string, { token: string; messages: ChatMessage[] }>();
  inits: SessionInitPayload[] = [];
  received: VisitorMessagePayload[] = [];
  events?: ConnectionEvents;
  holdAcks = false;
  actionResults: unknown[] = [];
  retention?: unknown;
  private nextId = 1;

  connect = async (options: ConnectionOptions): Promise<Connection> => {
    this.events = options.events;
    const conn: Connection = {
      connected: true,
      init: async (payload) => this.init(payload),
      sendMessage: async (payload) => this.message(payload),
      reportAction: (result) => void this.actionResults.push(result),
      close: () => {},
    };
    queueMicrotask(() => options.events.connected());
    return conn;
  };

  private current?: string;

  /** While set, `session_init` acks wait for it (a slow server). */
  initGate?: Promise<void>;

  async init(payload: SessionInitPayload): Promise<SessionInitOk | Failure> {
    this.inits.push(payload);
    await this.initGate;
    if (payload.sessionId) {
      const s = this.sessions.get(payload.sessionId);
      if (!s) return { ok: false, error: { code: 'session_not_found', message: 'gone' } };
      this.current = payload.sessionId;
      return {
        ok: true,
        sessionId: payload.sessionId,
        token: s.token,
        resumed: true,
        missed: s.messages.filter((m) => (m.seq ?? 0) > (payload.lastSeq ?? 0)),
      };
    }
    const id = `s${this.nextId++}`;
    this.sessions.set(id, { token: `t${id}`, messages: [] });
    this.current = id;
    return {
      ok: true,
      sessionId: id,
      token: `t${id}`,
      resumed: false,
      missed: [],
      ...(this.retention ? { retention: this.retention as never } : {}),
    };
  }

  async message(payload: VisitorMessagePayload): Promise<VisitorMessageOk | Failure> {
    if (this.holdAcks) return { ok: false, error: { code: 'internal', message: 'timeout' } };
    const s = this.sessions.get(this.current!)!;
    const existing = s.messages.find((m) => m.id === payload.id);
    if (existing) return { ok: true, seq: existing.seq!, duplicate: true };
    this.received.push(payload);
    const seq = s.messages.length + 1;
    s.messages.push({
      id: payload.id,
      author: 'visitor',
      text: payload.text,
      at: payload.sentAt,
      seq,
    });
    return { ok: true, seq, duplicate: false };
  }

  reply(text: string) {
    const s = this.sessions.get(this.current!)!;
    const m = { id: `a${s.messages.length + 1}`, text, at: 5, seq: s.messages.length + 1 };
    s.messages.push({ ...m, author: 'agent' });
    this.events?.agentMessage(m);
  }

  /** POST /api/session/:id */
  fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const id = decodeURIComponent(String(input).split('/').pop()!);
    const s = this.sessions.get(id);
    if (!s)
      return new Response(JSON.stringify({ error: { code: 'session_not_found' } }), {
        status: 404,
      });
    if (JSON.parse(String(init?.body)).token !== s.token)
      return new Response('{}', { status: 401 });
    return Response.json({ session: { id }, history: s.messages, task: null });
  }) as typeof fetch;
}

function setup(server = new FakeServer(), local = fakeLocalStorage(), history = memoryHistory()) {
  const clock = { t: 1_000 };
  const bus = fakeTabBus();
  const make = (extra: Partial<ClientOptions> = {}) =>
    createClient({
      server: 'http://chat.test',
      siteKey: 'acme',
      now: () => clock.t,
      localStorage: () => local,
      history: async () => history,
      fetch: server.fetch,
      connect: server.connect,
      page: () => ({ url: 'http://site.test/', title: 'Site' }),
      tabs: bus,
      ...extra,
    });
  return { server, local, history, clock, make, bus };
}

const texts = (messages: readonly { text: string }[]) => messages.map((m) => m.text);

describe('createClient', () => {
  it('sends a message: shown at once as pending, then acked with a sequence and stored', async () => {
    const { make, server, history, local } = setup();
    const client = make();
    await client.ready();
    const sending = client.send('  hello  ');
    const message = await sending;
    expect(message?.text).toBe('hello');
    await vi.waitFor(() => expect(client.getState().messages[0]?.status).toBe('sent'));
    expect(client.getState().messages[0]?.seq).toBe(1);
    expect(server.received.map((m) => m.text)).toEqual(['hello']);
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
    await vi.waitFor(() => expect(client.getState().messages[0]?.status).toBe('sent'));
    server.reply('Hello!');
    expect(texts(client.getState().messages)).toEqual(['hi', 'Hello!']);
    expect(seen).toEqual(['visitor:hi', 'agent:Hello!']);
  });

  it('a second client on the same storage renders the cache, then restores through the server', async () => {
    const { make, server } = setup();
    const first = make();
    await first.send('one');
    await vi.waitFor(() => expect(first.getState().messages[0]?.status).toBe('sent'));
    server.reply('two');
    await vi.waitFor(async () => expect(first.getState().messages).toHaveLength(2));
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

  it('on a 404 restore keeps the cached messages as an earlier conversation and starts fresh', async () => {
    const { make, server } = setup();
    const first = make();
    await first.send('before restart');
    await vi.waitFor(() => expect(first.getState().messages[0]?.status).toBe('sent'));
    first.destroy();
    server.sessions.clear(); // the server restarted with a memory store

    const second = make();
    await second.ready();
    expect(second.getState().messages[0]).toMatchObject({ text: 'before restart' });
    expect(second.getState().messages[0]?.archivedAt).toBeTypeOf('number');
    await second.send('after restart');
    await vi.waitFor(() => expect(second.getSession().id).toBe('s2'));
    await vi.waitFor(() => expect(second.getState().messages[1]?.status).toBe('sent'));
    expect(server.sessions.get('s2')?.messages.map((m) => m.text)).toEqual(['after restart']);
  });

  it('a long history: the newest messages show first, the rest is read before the restore lands', async () => {
    const { make, server, history } = setup();
    const first = make();
    await first.send('first');
    await vi.waitFor(() => expect(first.getState().messages[0]?.status).toBe('sent'));
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
    await new Promise((resolve) => setTimeout(resolve, 20));
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
    await vi.waitFor(() => expect(first.getState().messages[0]?.status).toBe('sent'));
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
    await vi.waitFor(() => expect(first.getState().messages[0]?.status).toBe('sent'));
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
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(second.getState().messages).toEqual([]);
    expect(second.getState().phase).toBe('ready');
    expect(await history.load('acme')).toEqual([]);
  });

  it('a tab that starts while the visitor opens and writes in another tab stays off the socket', async () => {
    const { make, server, history } = setup();
    let release = () => {};
    const opening = new Promise<void>((resolve) => {
      release = resolve;
    });
    const connects: string[] = [];
    const counted = (name: string) => (options: ConnectionOptions) => {
      connects.push(name);
      return server.connect(options);
    };
    const a = make({ connect: counted('a') });
    await a.ready();
    // Tab B's IndexedDB answers late: its start ends after A opened the window and wrote.
    const b = make({ connect: counted('b'), history: () => opening.then(() => history) });
    a.open();
    await a.send('hello from A');
    await vi.waitFor(() => expect(a.getState().messages[0]?.status).toBe('sent'));
    release();
    await b.ready();
    await vi.waitFor(() => expect(texts(b.getState().messages)).toEqual(['hello from A']));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(connects).toEqual(['a']);
    expect(server.sessions.size).toBe(1);
    expect(texts(server.received)).toEqual(['hello from A']);
  });

  it('keeps unacknowledged messages across a reload and delivers them once', async () => {
    const { make, server } = setup();
    const first = make();
    await first.send('one');
    await vi.waitFor(() => expect(first.getState().messages[0]?.status).toBe('sent'));
    server.holdAcks = true;
    await first.send('lost in flight');
    first.destroy();
    server.holdAcks = false;

    const second = make();
    await vi.waitFor(() =>
      expect(second.getState().messages.map((m) => m.status)).toEqual(['sent', 'sent']),
    );
    expect(server.received.map((m) => m.text)).toEqual(['one', 'lost in flight']);
  });

  it('drops the session, widget state and history after the TTL', async () => {
    const { make, clock } = setup();
    const first = make();
    first.open();
    await first.send('hello');
    await vi.waitFor(() => expect(first.getState().messages[0]?.status).toBe('sent'));
    first.destroy();
    clock.t += 24 * 3_600_000 + 60_000;
    const second = make();
    await second.ready();
    expect(second.getState()).toMatchObject({ open: false, sessionId: null, messages: [] });
  });

  it('goes read-only when another tab takes over, then lets the visitor type again', async () => {
    vi.useFakeTimers();
    try {
      const { make, server } = setup();
      const client = make({ takeoverHoldMs: 5_000 });
      const takeover = vi.fn();
      client.on('takeover', takeover);
      await client.send('hi');
      await vi.waitFor(() => expect(client.getState().messages[0]?.status).toBe('sent'));
      server.events?.takenOver();
      expect(client.getSession().readOnly).toBe(true);
      expect(takeover).toHaveBeenCalledOnce();
      vi.advanceTimersByTime(5_000);
      expect(client.getSession().readOnly).toBe(false);
      const inits = server.inits.length;
      await client.send('back');
      await vi.waitFor(() => expect(server.inits.length).toBe(inits + 1));
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses an over-long message with an error event and stores nothing', async () => {
    const { make } = setup();
    const client = make();
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.code));
    expect(await client.send('x'.repeat(4001))).toBeNull();
    expect(await client.send('   ')).toBeNull();
    expect(errors).toEqual(['invalid_message']);
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
    expect(server.received.map((m) => m.text)).toEqual(['from A', 'from B']);

    await a.clear();
    await vi.waitFor(() => expect(b.getState().messages).toEqual([]));
    expect(b.getSession().id).toBeNull();
    expect(local.getItem('leflux:sessionId')).toBeNull();
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
    client.on('task', (t) => events.push(`${t.taskId}:${t.status}`));
    await client.send('show me pricing');
    await vi.waitFor(() => expect(client.getState().messages[0]?.status).toBe('sent'));

    const highlight = {
      taskId: 't1',
      step: 1,
      type: 'highlight',
      selector: '#plan-pro',
      label: 'Highlighting the Pro plan',
    };
    server.events?.action(highlight);
    await vi.waitFor(() => expect(server.actionResults).toHaveLength(1));
    expect(client.getState().task).toMatchObject({
      id: 't1',
      step: 1,
      stepLabel: 'Highlighting the Pro plan',
    });
    // The server re-sends a step whose answer it lost: answered again, not run again.
    server.events?.action(highlight);
    await vi.waitFor(() => expect(server.actionResults).toHaveLength(2));
    server.events?.action({
      taskId: 't1',
      step: 2,
      type: 'click',
      selector: '#x',
      label: 'Clicking',
    });
    await vi.waitFor(() => expect(server.actionResults).toHaveLength(3));
    expect(runs).toEqual(['highlight:1', 'click:2']);
    expect(server.actionResults).toEqual([
      { taskId: 't1', step: 1, ok: true },
      { taskId: 't1', step: 1, ok: true },
      { taskId: 't1', step: 2, ok: false, detail: 'no element matches #x' },
    ]);
    // Malformed actions are ignored: nothing run, nothing answered.
    server.events?.action({ taskId: 't1', step: 3, type: 'rm -rf', selector: '*' });
    server.events?.taskDone({ taskId: 't1' });
    expect(client.getState().task).toBeNull();
    expect(runs).toHaveLength(2);
    expect(events).toEqual(['t1:running', 't1:running', 't1:running', 't1:done']);
  });

  it('keeps the agent’s contact question and sends stored contact details with session_init', async () => {
    const { make, server } = setup();
    const client = make();
    await client.identify({ email: 'ada@example.com' });
    await client.send('contact me');
    await vi.waitFor(() => expect(server.inits).toHaveLength(1));
    expect(server.inits[0]?.contact).toEqual({ email: 'ada@example.com' });
    server.events?.agentMessage({
      id: 'q1',
      text: 'What is your name?',
      at: 9,
      seq: 2,
      asks: 'name',
    });
    expect(client.getState().messages.at(-1)).toMatchObject({ id: 'q1', asks: 'name' });
  });

  it('follows a site’s shorter retention, and never a longer one', async () => {
    const { make, server, local, clock } = setup();
    server.retention = { sessionTtlMs: 3_600_000, userTtlMs: 90 * 24 * 3_600_000 };
    const client = make();
    await client.identify({ name: 'Ada' });
    await client.send('hi');
    await vi.waitFor(() => expect(client.getState().messages[0]?.status).toBe('sent'));
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
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(local.getItem('leflux:sessionId')).toBeNull();
    expect(b.getSession().id).toBeNull();
  });

  it('an eviction that arrives after another tab cleared is that clear: nothing archived, nothing resurrected', async () => {
    const { make, server, local } = setup();
    const a = make();
    const b = make();
    await Promise.all([a.ready(), b.ready()]);
    await b.send('hello');
    await vi.waitFor(() => expect(a.getState().messages.map((m) => m.status)).toEqual(['sent']));
    // Tab A's Clear removed the record; the server's purge reaches B before A's tab message.
    local.removeItem('leflux:sessionId');
    server.events?.evicted();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(b.getState().messages).toEqual([]);
    expect(a.getState().messages.filter((m) => m.archivedAt !== undefined)).toEqual([]);
  });
});

// @vitest-environment node
import type { Socket } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  Failure,
  ServerToClientEvents,
  VisitorMessageOk,
  VisitorMessagePayload,
} from '../../protocol/index.js';
import type { MessageLog } from '../log/message-log.js';
import { openSqliteMessageLog } from '../log/sqlite-log.js';
import { silentLogger } from '../logger.js';
import { type LeFluxServer, startServer } from '../server.js';
import { createMemorySessionStore } from '../stores/memory-store.js';
import type { SessionStore } from '../stores/session-store.js';
import { initSession, openTestSocket, type TestSocket } from './test-socket.js';

type ClientSocket = TestSocket;

const TTL = 5_000;
let clock: number;
let store: SessionStore;
let log: MessageLog;
let server: LeFluxServer & { url: string };
const sockets: ClientSocket[] = [];

beforeEach(async () => {
  clock = 1_000_000;
  const now = () => clock;
  store = createMemorySessionStore({ idleTtlMs: TTL, now });
  log = openSqliteMessageLog(':memory:');
  server = await startServer({
    idleTtlMs: TTL,
    sweepIntervalMs: 20,
    demo: true,
    store,
    log,
    now,
    logger: silentLogger,
  });
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await server.close();
});

const open = (siteKey?: string) => openTestSocket(server.url, sockets, { siteKey });

const init = initSession;

const say = (
  socket: ClientSocket,
  id: string,
  text = 'How much does it cost?',
): Promise<VisitorMessageOk | Failure> =>
  socket.timeout(2000).emitWithAck('visitor_message', {
    id,
    text,
    url: 'https://acme.test/pricing',
    sentAt: clock,
  });

function next<E extends keyof ServerToClientEvents>(socket: ClientSocket, event: E) {
  return new Promise<Parameters<ServerToClientEvents[E]>[0]>((done) => {
    // The listener type differs per event; the payload is what the test asserts on.
    socket.once(event, done as never);
  });
}

/** Resolves true if the event arrives within `ms`, false otherwise. */
function arrives(socket: ClientSocket, event: keyof ServerToClientEvents, ms = 100) {
  return new Promise<boolean>((done) => {
    const timer = setTimeout(() => done(false), ms);
    socket.once(event, () => {
      clearTimeout(timer);
      done(true);
    });
  });
}

async function started(socket: ClientSocket) {
  const ack = await init(socket);
  if (!ack.ok) throw new Error(`session_init failed: ${ack.error.code}`);
  return ack;
}

describe('session_init', () => {
  it('creates a new session bound to the socket', async () => {
    const socket = await open();
    const ack = await init(socket, { visitorId: 'v1' });
    expect(ack).toMatchObject({ ok: true, resumed: false, missed: [] });
    if (!ack.ok) return;
    expect(ack.token).toHaveLength(32);
    expect(await store.sessions.get(ack.sessionId)).toMatchObject({
      siteKey: 'acme',
      visitorId: 'v1',
      boundSocket: socket.id,
      url: 'https://acme.test/',
      title: 'Acme',
      // Connecting is not activity.
      lastActiveAt: clock,
    });
  });

  it('refuses an invalid payload', async () => {
    const socket = await open();
    const ack = await init(socket, { siteKey: 'Not A Slug' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });

  it('refuses a wrong token and an unknown session', async () => {
    const first = await started(await open());
    const socket = await open();
    const wrong = await init(socket, { sessionId: first.sessionId, token: 'x'.repeat(32) });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const unknown = await init(socket, { sessionId: 'nope', token: first.token });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'session_not_found' } });
    const otherSite = await init(await open('other'), {
      siteKey: 'other',
      sessionId: first.sessionId,
      token: first.token,
    });
    expect(otherSite).toMatchObject({ ok: false, error: { code: 'session_not_found' } });
    // A socket speaks for the site it was opened for, and no other.
    const notThisSocket = await init(socket, { siteKey: 'other' });
    expect(notThisSocket).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect((await store.sessions.get(first.sessionId))?.boundSocket).not.toBe(socket.id);
  });

  it('replays what came after lastSeq', async () => {
    const socket = await open();
    const session = await started(socket);
    const replies = [next(socket, 'agent_message')];
    await say(socket, 'm1', 'hello');
    await replies[0];
    const second = next(socket, 'agent_message');
    await say(socket, 'm2', 'pricing');
    await second;

    const again = await open();
    const ack = await init(again, {
      sessionId: session.sessionId,
      token: session.token,
      lastSeq: 2,
    });
    expect(ack).toMatchObject({ ok: true, resumed: true, sessionId: session.sessionId });
    if (!ack.ok) return;
    expect(ack.missed.map((m) => [m.seq, m.author])).toEqual([
      [3, 'visitor'],
      [4, 'agent'],
    ]);
    const all = await init(again, { sessionId: session.sessionId, token: session.token });
    expect(all.ok && all.missed.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });
});

describe('visitor_message', () => {
  it('acks with a seq, stores and logs it, and the agent answers to the session', async () => {
    const socket = await open();
    const { sessionId } = await started(socket);
    const reply = next(socket, 'agent_message');
    clock += 1000;
    expect(await say(socket, 'm1')).toEqual({ ok: true, seq: 1, duplicate: false });
    const agentMessage = await reply;
    expect(agentMessage).toMatchObject({ seq: 2, at: clock });
    expect(agentMessage.text).toMatch(/Pro \(\$29\/month\)/);

    expect((await store.history.after(sessionId, 0)).map((m) => [m.id, m.author, m.seq])).toEqual([
      ['m1', 'visitor', 1],
      [agentMessage.id, 'agent', 2],
    ]);
    expect(await store.sessions.get(sessionId)).toMatchObject({
      lastActiveAt: clock,
      url: 'https://acme.test/pricing',
    });
    expect((await log.listSession(sessionId)).map((e) => [e.messageId, e.seq, e.siteKey])).toEqual([
      ['m1', 1, 'acme'],
      [agentMessage.id, 2, 'acme'],
    ]);
  });

  it('dedupes a resend by id: same seq, stored and logged once, answered once', async () => {
    const socket = await open();
    const { sessionId } = await started(socket);
    const reply = next(socket, 'agent_message');
    await say(socket, 'm1');
    await reply;
    const extraReply = arrives(socket, 'agent_message');
    expect(await say(socket, 'm1')).toEqual({ ok: true, seq: 1, duplicate: true });
    expect(await extraReply).toBe(false);
    const stored = await store.history.after(sessionId, 0);
    expect(stored.filter((m) => m.id === 'm1')).toHaveLength(1);
    expect(stored).toHaveLength(2);
    expect(await log.listSession(sessionId)).toHaveLength(2);
  });

  it('refuses an invalid payload and stores nothing', async () => {
    const socket = await open();
    const { sessionId } = await started(socket);
    const bad = { id: 'm1', text: '   ', url: '', sentAt: 1 };
    expect(await socket.timeout(2000).emitWithAck('visitor_message', bad)).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: expect.stringContaining('text') },
    });
    const notAnObject = 'hello' as unknown as VisitorMessagePayload;
    expect(await socket.timeout(2000).emitWithAck('visitor_message', notAnObject)).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    expect(await store.history.after(sessionId, 0)).toEqual([]);
    expect(await log.listSession(sessionId)).toEqual([]);
  });

  it('refuses a socket that never sent session_init', async () => {
    const socket = await open();
    expect(await say(socket, 'm1')).toMatchObject({ ok: false, error: { code: 'not_bound' } });
  });

  it('works without an ack callback', async () => {
    const socket = await open();
    const { sessionId } = await started(socket);
    const reply = next(socket, 'agent_message');
    // The typed map requires an ack; a client may still omit it.
    const untyped = socket as unknown as Socket;
    untyped.emit('visitor_message', { id: 'm1', text: 'hi', url: '', sentAt: clock });
    await reply;
    expect((await store.history.after(sessionId, 0)).map((m) => m.id)[0]).toBe('m1');
  });

  it('answers session_not_found once the session went idle', async () => {
    const socket = await open();
    await started(socket);
    clock += TTL;
    expect(await say(socket, 'm1')).toMatchObject({
      ok: false,
      error: { code: 'session_not_found' },
    });
  });
});

describe('one socket per session', () => {
  it('the newer socket wins; the older is told, goes unbound, and can take it back', async () => {
    const a = await open();
    const session = await started(a);
    const takenOver = next(a, 'taken_over');
    const b = await open();
    const resumed = await init(b, { sessionId: session.sessionId, token: session.token });
    expect(resumed).toMatchObject({ ok: true, resumed: true, token: session.token });
    await takenOver;
    expect(a.connected).toBe(true);
    expect((await store.sessions.get(session.sessionId))?.boundSocket).toBe(b.id);
    expect(await say(a, 'from-a')).toMatchObject({ ok: false, error: { code: 'not_bound' } });

    // Replies go to the holder only.
    const aHears = arrives(a, 'agent_message', 300);
    const bHears = next(b, 'agent_message');
    expect(await say(b, 'from-b')).toMatchObject({ ok: true, seq: 1 });
    await bHears;
    expect(await aHears).toBe(false);

    const bTakenOver = next(b, 'taken_over');
    await init(a, { sessionId: session.sessionId, token: session.token });
    await bTakenOver;
    expect((await store.sessions.get(session.sessionId))?.boundSocket).toBe(a.id);

    // The older socket leaving does not unbind the current holder.
    b.disconnect();
    await new Promise((done) => setTimeout(done, 50));
    expect((await store.sessions.get(session.sessionId))?.boundSocket).toBe(a.id);
  });

  it('unbinds on disconnect', async () => {
    const socket = await open();
    const { sessionId } = await started(socket);
    socket.disconnect();
    await expect
      .poll(async () => (await store.sessions.get(sessionId))?.boundSocket, { timeout: 1000 })
      .toBeUndefined();
  });
});

describe('eviction', () => {
  it('the sweeper evicts idle sessions and tells their socket', async () => {
    const socket = await open();
    const { sessionId } = await started(socket);
    const evicted = next(socket, 'session_evicted');
    clock += TTL;
    await evicted;
    expect(await store.sessions.get(sessionId)).toBeUndefined();
  });

  it('a purge tells the socket and disconnects it', async () => {
    const socket = await open();
    const session = await started(socket);
    const evicted = next(socket, 'session_evicted');
    const disconnected = new Promise<string>((done) => socket.once('disconnect', done));
    const res = await fetch(`${server.url}/api/session/${session.sessionId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${session.token}` },
    });
    expect(res.status).toBe(204);
    await evicted;
    expect(await disconnected).toBe('io server disconnect');
  });
});

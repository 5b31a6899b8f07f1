// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import type { Failure, SessionInitOk } from '../../protocol/index.js';
import type { ServerConfig } from '../config.js';
import { silentLogger } from '../logger.js';
import { initSession, openTestSocket, type TestSocket } from '../realtime/test-socket.js';
import { type LeFluxServer, startServer } from '../server.js';
import { DEFAULT_RATE_LIMITS, NO_RATE_LIMITS, type RateLimits } from './rate-limiter.js';

let server: (LeFluxServer & { url: string }) | undefined;
const sockets: TestSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await server?.close();
  server = undefined;
});

async function start(limits: Partial<RateLimits>, overrides: Partial<ServerConfig> = {}) {
  server = await startServer({
    dbPath: ':memory:',
    logger: silentLogger,
    limits: { ...NO_RATE_LIMITS, ...limits },
    ...overrides,
  });
  return server;
}

const open = () => {
  if (!server) throw new Error('start() first');
  return openTestSocket(server.url, sockets);
};

const started = async (socket: TestSocket) => {
  const ack = await initSession(socket);
  if (!ack.ok) throw new Error(ack.error.code);
  return ack;
};

const send = (socket: TestSocket, id: string) =>
  socket
    .timeout(2000)
    .emitWithAck('visitor_message', { id, text: `text ${id}`, url: '', sentAt: Date.now() });

const restore = (id: string, token: string, headers: Record<string, string> = {}) =>
  fetch(`${server?.url}/api/session/${id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ token }),
  });

describe('session starts per address', () => {
  it('refuses the next new session with rate_limited and retryAfter; resuming still works', async () => {
    await start({ sessionStarts: { points: 2, durationSec: 60 } });
    const first = await started(await open());
    await started(await open());
    const refused = (await initSession(await open())) as Failure;
    expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(refused.error.retryAfter).toBeGreaterThanOrEqual(59);
    expect(refused.error.retryAfter).toBeLessThanOrEqual(60);
    const resumed = await initSession(await open(), {
      sessionId: first.sessionId,
      token: first.token,
    });
    expect(resumed).toMatchObject({ ok: true, resumed: true });
  });
});

describe('messages per session', () => {
  it('refuses past the limit with rate_limited, storing nothing, and counts per session', async () => {
    await start({ messages: { points: 3, durationSec: 60 } });
    const socket = await open();
    const { sessionId, token } = await started(socket);
    for (const id of ['m1', 'm2', 'm3']) expect(await send(socket, id)).toMatchObject({ ok: true });
    const refused = (await send(socket, 'm4')) as Failure;
    expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(refused.error.retryAfter).toBeGreaterThan(0);
    const other = await open();
    await started(other);
    expect(await send(other, 'm1')).toMatchObject({ ok: true });
    const { history } = (await (await restore(sessionId, token)).json()) as {
      history: { id: string }[];
    };
    expect(history.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
  });
});

describe('guessed session ids', () => {
  it('answers 404 or 401 until the address guessed too often, then 429 with Retry-After, everywhere', async () => {
    await start({ misses: { points: 5, durationSec: 60, blockSec: 60 } });
    const socket = await open();
    const real = await started(socket);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await restore(`guess${i}`, 'x'.repeat(21))).status);
    statuses.push((await restore(real.sessionId, 'wrong-token')).status);
    const purge = await fetch(`${server?.url}/api/session/guess9`, {
      method: 'DELETE',
      headers: { authorization: 'Bearer nope' },
    });
    statuses.push(purge.status);
    expect(statuses).toEqual([404, 404, 404, 401, 404]);
    const limited = await restore('guess10', 'x'.repeat(21));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({
      error: { code: 'rate_limited', retryAfter: Number(limited.headers.get('retry-after')) },
    });
    // The owner's own restore from this address is refused too while the block lasts, and
    // so is a resume or a new session over the socket.
    expect((await restore(real.sessionId, real.token)).status).toBe(429);
    expect(
      await initSession(await open(), { sessionId: real.sessionId, token: real.token }),
    ).toMatchObject({
      ok: false,
      error: { code: 'rate_limited' },
    });
  });

  it('10,000 random session ids: only 404 or 401 without the limit; with the default one, 404 until it blocks the address, then 429, while another address goes on', async () => {
    const { nanoid } = await import('nanoid');
    const guess = async (count: number, headers: Record<string, string> = {}) => {
      const statuses = new Map<number, number>();
      const ids = Array.from({ length: count }, () => nanoid());
      // 20 at a time: a guesser in a hurry.
      for (let i = 0; i < ids.length; i += 20) {
        const answers = await Promise.all(
          ids.slice(i, i + 20).map((id) => restore(id, nanoid(), headers)),
        );
        for (const answer of answers) {
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          await answer.body?.cancel();
        }
      }
      return Object.fromEntries(statuses);
    };
    await start({});
    expect(await guess(10_000)).toEqual({ 404: 10_000 });
    await server?.close();
    // The default: 100 misses per 10 min, then the address is refused for 10 min.
    expect(DEFAULT_RATE_LIMITS.misses).toEqual({ points: 100, durationSec: 600, blockSec: 600 });
    await start({ misses: DEFAULT_RATE_LIMITS.misses }, { trustedProxies: 1 });
    const from = { 'x-forwarded-for': '203.0.113.7' };
    expect(await guess(10_000, from)).toEqual({ 404: 100, 429: 9_900 });
    // Someone else, behind the same proxy, is not blocked.
    expect(await guess(5, { 'x-forwarded-for': '198.51.100.9' })).toEqual({ 404: 5 });
  }, 120_000);

  it('counts wrong session_init resumes too', async () => {
    await start({ misses: { points: 2, durationSec: 60, blockSec: 60 } });
    const socket = await open();
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const ack = (await initSession(socket, {
        sessionId: `guess${i}`,
        token: 'x'.repeat(21),
      })) as Failure;
      codes.push(ack.error.code);
    }
    expect(codes).toEqual([
      'session_not_found',
      'session_not_found',
      'rate_limited',
      'rate_limited',
    ]);
  });
});

describe('restores and purges per address', () => {
  it('limits restores and token purges; an operator purge is not limited', async () => {
    await start(
      { restores: { points: 2, durationSec: 60 }, purges: { points: 1, durationSec: 60 } },
      { adminKey: 'a'.repeat(16) },
    );
    const sessions: SessionInitOk[] = [];
    for (let i = 0; i < 3; i++) sessions.push(await started(await open()));
    const [a, b, c] = sessions as [SessionInitOk, SessionInitOk, SessionInitOk];
    expect((await restore(a.sessionId, a.token)).status).toBe(200);
    expect((await restore(a.sessionId, a.token)).status).toBe(200);
    expect((await restore(a.sessionId, a.token)).status).toBe(429);
    const purge = (s: SessionInitOk, headers: Record<string, string>) =>
      fetch(`${server?.url}/api/session/${s.sessionId}`, { method: 'DELETE', headers });
    expect((await purge(a, { authorization: `Bearer ${a.token}` })).status).toBe(204);
    expect((await purge(b, { authorization: `Bearer ${b.token}` })).status).toBe(429);
    expect((await purge(c, { 'x-leflux-admin-key': 'a'.repeat(16) })).status).toBe(204);
  });

  it('counts the address a trusted proxy reports, not the proxy', async () => {
    await start({ restores: { points: 1, durationSec: 60 } }, { trustedProxies: 1 });
    const a = await started(await open());
    const from = (address: string) => ({ 'x-forwarded-for': address });
    expect((await restore(a.sessionId, a.token, from('198.51.100.1'))).status).toBe(200);
    expect((await restore(a.sessionId, a.token, from('198.51.100.2'))).status).toBe(200);
    expect((await restore(a.sessionId, a.token, from('198.51.100.1'))).status).toBe(429);
  });
});

describe('live sessions per node', () => {
  it('refuses a new session with server_full once the node holds its cap; resuming still works', async () => {
    await start({}, { maxSessions: 2 });
    const first = await open();
    const held = await started(first);
    await started(await open());
    const refused = (await initSession(await open())) as Failure;
    expect(refused).toMatchObject({ ok: false, error: { code: 'server_full', retryAfter: 10 } });
    const again = await open();
    expect(
      await initSession(again, { sessionId: held.sessionId, token: held.token }),
    ).toMatchObject({
      ok: true,
    });
    // A socket that goes away frees its place.
    first.disconnect();
    again.disconnect();
    await expect
      .poll(async () => ((await initSession(await open())) as { ok: boolean }).ok, {
        timeout: 2000,
      })
      .toBe(true);
  });
});

describe('malformed events', () => {
  it('answers an unknown event and a bad action_result with invalid_payload when asked', async () => {
    await start({});
    const socket = await open();
    await started(socket);
    const emit = socket.timeout(2000).emitWithAck as unknown as (
      event: string,
      ...args: unknown[]
    ) => Promise<unknown>;
    expect(await emit.call(socket.timeout(2000), '__proto__', { constructor: 1 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    expect(await emit.call(socket.timeout(2000), 'action_result', { taskId: 7 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
  });
});

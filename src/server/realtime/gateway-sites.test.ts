// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import type {
  ServerToClientEvents,
  SessionInitOk,
  SessionInitPayload,
} from '../../protocol/index.js';
import type { ServerConfig } from '../config.js';
import type { MessageLog } from '../log/message-log.js';
import { openSqliteMessageLog } from '../log/sqlite-log.js';
import { silentLogger } from '../logger.js';
import { type LeFluxServer, startServer } from '../server.js';
import type { SiteSettings } from '../site-settings.js';
import { initSession, openTestSocket, type TestSocket } from './test-socket.js';

type ClientSocket = TestSocket;

const TTL = 5_000;
const SHOP = 'https://shop.example';
const SITES = new Map<string, SiteSettings>([
  ['shop', { allowedOrigins: [SHOP] }],
  ['brief', { idleTtlMs: 2_000, retention: { sessionTtlMs: 3_600_000, userTtlMs: 86_400_000 } }],
  ['patient', { idleTtlMs: 60_000 }],
  ['private', { messageLog: false }],
]);

let clock: number;
let log: MessageLog;
let server: (LeFluxServer & { url: string }) | undefined;
const sockets: ClientSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await server?.close();
  server = undefined;
});

/** A server with the sites above; the clock is faked unless `realClock`. */
async function start(overrides: Partial<ServerConfig> = {}, realClock = false) {
  clock = 1_000_000;
  log = openSqliteMessageLog(':memory:');
  server = await startServer({
    idleTtlMs: TTL,
    sweepIntervalMs: 20,
    demo: true,
    crawl: false,
    sites: SITES,
    ...overrides,
    log,
    logger: silentLogger,
    ...(realClock ? {} : { now: () => clock }),
  });
  return server;
}

function open(origin?: string): Promise<ClientSocket> {
  if (!server) throw new Error('start() first');
  return openTestSocket(server.url, sockets, { origin });
}

const init = (socket: ClientSocket, payload: Partial<SessionInitPayload> = {}) =>
  initSession(socket, { url: 'https://shop.example/', title: 'Shop', ...payload });

async function started(socket: ClientSocket, siteKey: string) {
  const ack = await init(socket, { siteKey });
  if (!ack.ok) throw new Error(`session_init failed: ${ack.error.code}`);
  return ack;
}

function next<E extends keyof ServerToClientEvents>(socket: ClientSocket, event: E) {
  return new Promise<Parameters<ServerToClientEvents[E]>[0]>((done) => {
    socket.once(event, done as never);
  });
}

describe('allowed origins', () => {
  it('refuses session_init from an origin the site does not list, creating nothing', async () => {
    await start();
    const evil = await open('https://evil.example');
    expect(await init(evil, { siteKey: 'shop' })).toMatchObject({
      ok: false,
      error: { code: 'origin_not_allowed', message: expect.stringContaining('evil.example') },
    });
    // No Origin at all (not a browser page) is not a listed origin either.
    expect(await init(await open(), { siteKey: 'shop' })).toMatchObject({
      ok: false,
      error: { code: 'origin_not_allowed' },
    });

    const fromShop = await open(SHOP);
    const session = await started(fromShop, 'shop');
    // Holding the session's id and token does not help a foreign page resume it.
    const resumed = await init(evil, {
      siteKey: 'shop',
      sessionId: session.sessionId,
      token: session.token,
    });
    expect(resumed).toMatchObject({ ok: false, error: { code: 'origin_not_allowed' } });
    expect(
      await evil.timeout(2000).emitWithAck('visitor_message', {
        id: 'm1',
        text: 'hi',
        url: '',
        sentAt: clock,
      }),
    ).toMatchObject({ ok: false, error: { code: 'not_bound' } });
  });

  it('lets a site without a list be used from any origin', async () => {
    await start();
    const evil = await open('https://evil.example');
    expect(await init(evil, { siteKey: 'acme' })).toMatchObject({ ok: true, resumed: false });
  });
});

describe('retention', () => {
  it("sends the site's retention in the session_init ack, only for sites that set it", async () => {
    await start();
    const socket = await open();
    const brief = await started(socket, 'brief');
    expect(brief.retention).toEqual({ sessionTtlMs: 3_600_000, userTtlMs: 86_400_000 });
    const resumed = await init(socket, {
      siteKey: 'brief',
      sessionId: brief.sessionId,
      token: brief.token,
    });
    expect(resumed).toMatchObject({ ok: true, resumed: true, retention: brief.retention });
    expect(await started(socket, 'acme')).not.toHaveProperty('retention');
  });
});

describe('per-site idle eviction', () => {
  it("evicts a site's sessions after its own idle TTL and tells their socket", async () => {
    await start();
    const briefSocket = await open();
    const plainSocket = await open();
    const patientSocket = await open();
    const brief = await started(briefSocket, 'brief');
    const plain = await started(plainSocket, 'acme');
    const patient = await started(patientSocket, 'patient');

    const briefEvicted = next(briefSocket, 'session_evicted');
    clock += 2_000;
    await briefEvicted;
    const probe = await open();
    const resume = (session: SessionInitOk, siteKey: string) =>
      init(probe, { siteKey, sessionId: session.sessionId, token: session.token });
    expect(await resume(brief, 'brief')).toMatchObject({
      ok: false,
      error: { code: 'session_not_found' },
    });

    // The default TTL for a site without its own, and a longer one for a site that asks.
    const plainEvicted = next(plainSocket, 'session_evicted');
    clock += TTL - 2_000;
    await plainEvicted;
    expect(await resume(patient, 'patient')).toMatchObject({ ok: true, resumed: true });
    expect(await resume(plain, 'acme')).toMatchObject({ ok: false });
  });
});

describe('per-site message log', () => {
  it('keeps no log rows for a site with messageLog off; others are logged', async () => {
    await start();
    const privateSocket = await open();
    const acmeSocket = await open();
    const hidden = await started(privateSocket, 'private');
    const shown = await started(acmeSocket, 'acme');
    for (const socket of [privateSocket, acmeSocket]) {
      const reply = next(socket, 'agent_message');
      const ack = await socket
        .timeout(2000)
        .emitWithAck('visitor_message', { id: 'm1', text: 'hello', url: '', sentAt: clock });
      expect(ack).toMatchObject({ ok: true, seq: 1 });
      await reply;
    }
    await server?.drain();
    expect(await log.listSession(hidden.sessionId)).toEqual([]);
    expect((await log.listSession(shown.sessionId)).map((e) => e.author)).toEqual([
      'visitor',
      'agent',
    ]);
  });
});

describe('heartbeats and reconnects are not activity', () => {
  it('evicts an idle connected session on time while pings flow and a new socket resumes it', async () => {
    const idleTtlMs = 1_000;
    await start({ idleTtlMs, pingIntervalMs: 100, sweepIntervalMs: 25 }, true);
    const first = await open();
    let pings = 0;
    first.io.on('ping', () => void pings++);
    const startedAt = Date.now();
    const session = await started(first, 'acme');

    // A reconnect halfway through (another socket resuming the session) is not activity either.
    await new Promise((done) => setTimeout(done, idleTtlMs / 2));
    const second = await open();
    second.io.on('ping', () => void pings++);
    const evicted = next(second, 'session_evicted');
    expect(
      await init(second, { sessionId: session.sessionId, token: session.token }),
    ).toMatchObject({ ok: true, resumed: true });

    await evicted;
    const after = Date.now() - startedAt;
    expect(pings).toBeGreaterThanOrEqual(5);
    expect(after).toBeGreaterThanOrEqual(idleTtlMs - 5);
    // Counted from the session's start, not from the last ping or the reconnect (+ sweep lag).
    expect(after).toBeLessThan(idleTtlMs + idleTtlMs / 2);
  });
});

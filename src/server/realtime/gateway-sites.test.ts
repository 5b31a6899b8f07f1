// @vitest-environment node
import { afterEach, describe, expect, it, vi } from 'vitest';
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
import { capturingLogger } from '../testing/capturing-logger.js';
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

function open(origin?: string, siteKey = 'acme'): Promise<ClientSocket> {
  if (!server) throw new Error('start() first');
  return openTestSocket(server.url, sockets, { origin, siteKey });
}

/** The `connect_error` a handshake gets: its message and code. */
async function handshakeRefusal(origin: string | undefined, siteKey: string) {
  const error = (await open(origin, siteKey).then(
    () => {
      throw new Error('the handshake was accepted');
    },
    (refusal: unknown) => refusal,
  )) as Error & { data?: { code?: string } };
  return { message: error.message, code: error.data?.code };
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
  it("refuses the socket's handshake from an origin the site does not list, creating nothing", async () => {
    await start();
    expect(await handshakeRefusal('https://evil.example', 'shop')).toEqual({
      code: 'origin_not_allowed',
      message: expect.stringContaining('evil.example'),
    });
    // No Origin at all (not a browser page) is not a listed origin either.
    expect(await handshakeRefusal(undefined, 'shop')).toMatchObject({
      code: 'origin_not_allowed',
    });
    // A handshake names its site; a socket then speaks for that site only.
    expect(await handshakeRefusal(SHOP, '')).toMatchObject({ code: 'invalid_payload' });
    const evil = await open('https://evil.example', 'acme');

    const fromShop = await open(SHOP, 'shop');
    const session = await started(fromShop, 'shop');
    // Holding the session's id and token does not help a foreign page resume it.
    const resumed = await init(evil, {
      siteKey: 'shop',
      sessionId: session.sessionId,
      token: session.token,
    });
    expect(resumed).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
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
    const socket = await open(undefined, 'brief');
    const brief = await started(socket, 'brief');
    expect(brief.retention).toEqual({ sessionTtlMs: 3_600_000, userTtlMs: 86_400_000 });
    const resumed = await init(socket, {
      siteKey: 'brief',
      sessionId: brief.sessionId,
      token: brief.token,
    });
    expect(resumed).toMatchObject({ ok: true, resumed: true, retention: brief.retention });
    expect(await started(await open(), 'acme')).not.toHaveProperty('retention');
  });
});

describe('per-site idle eviction', () => {
  it("evicts a site's sessions after its own idle TTL and tells their socket", async () => {
    await start();
    const briefSocket = await open(undefined, 'brief');
    const plainSocket = await open();
    const patientSocket = await open(undefined, 'patient');
    const brief = await started(briefSocket, 'brief');
    const plain = await started(plainSocket, 'acme');
    const patient = await started(patientSocket, 'patient');

    const briefEvicted = next(briefSocket, 'session_evicted');
    clock += 2_000;
    await briefEvicted;
    const resume = async (session: SessionInitOk, siteKey: string) =>
      init(await open(undefined, siteKey), {
        siteKey,
        sessionId: session.sessionId,
        token: session.token,
      });
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
    const privateSocket = await open(undefined, 'private');
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

describe('page actions under the site’s control', () => {
  it('starts a task only with the page steps the site allows; a refused one is logged, not run', async () => {
    const { logger, errors } = capturingLogger();
    server = await startServer({
      sites: new Map<string, SiteSettings>([
        ['shop', { pageActions: ['highlight'] }],
        ['closed', { pageActions: [] }],
      ]),
      logger,
      agent: {
        reply: async ({ message }) => ({
          text: 'on it',
          task: {
            label: 'showing you',
            steps: [{ type: message.text as 'click' | 'highlight', selector: '#plan' }],
          },
        }),
      },
    });
    const actions: string[] = [];
    const tryStep = async (siteKey: string, step: string) => {
      const socket = await openTestSocket(server?.url ?? '', sockets, {
        siteKey,
        setup: (s) => s.on('action', (action) => actions.push(`${siteKey}:${action.type}`)),
      });
      const ack = await initSession(socket, { siteKey });
      if (!ack.ok) throw new Error(ack.error.code);
      const answered = new Promise((done) => socket.once('agent_message', done));
      await socket.timeout(2000).emitWithAck('visitor_message', {
        id: `m-${siteKey}-${step}`,
        text: step,
        url: '',
        sentAt: Date.now(),
      });
      await answered;
    };
    await tryStep('shop', 'highlight');
    await vi.waitFor(() => expect(actions).toEqual(['shop:highlight']));
    await tryStep('shop', 'click');
    await tryStep('closed', 'highlight');
    await vi.waitFor(() => expect(errors).toHaveLength(2));
    expect(errors[0]).toContain('a click step, which site shop does not allow (pageActions)');
    expect(errors[1]).toContain('a highlight step, which site closed does not allow');
    expect(actions).toEqual(['shop:highlight']);
  });
});

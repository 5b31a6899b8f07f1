// @vitest-environment node
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSqliteMessageLog } from './log/sqlite-log.js';
import { silentLogger } from './logger.js';
import { createLeFluxServer, type LeFluxServer, startServer } from './server.js';
import { keepAliveGet } from './testing/keep-alive-get.js';

const servers: LeFluxServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(overrides: Parameters<typeof startServer>[0] = {}) {
  const server = await startServer({
    dbPath: ':memory:',
    demo: true,
    ...overrides,
    logger: silentLogger,
  });
  servers.push(server);
  return server;
}

/** A widget's socket on site `acme`, as the widget opens it. */
const visitorSocket = (url: string, transport: 'websocket' | 'polling' = 'websocket') =>
  connect(url, { auth: { siteKey: 'acme' }, transports: [transport], forceNew: true });

/** The widget's `session_init` for a new session on `acme`; resolves to its ack. */
const startSession = (socket: Socket) =>
  socket.timeout(5_000).emitWithAck('session_init', { siteKey: 'acme', url: '/', title: '' });

/** A visitor message; resolves to the text of the agent's answer. */
async function ask(socket: Socket, text: string): Promise<string> {
  const reply = new Promise<{ text: string }>((done) => socket.once('agent_message', done));
  await socket
    .timeout(5_000)
    .emitWithAck('visitor_message', { id: 'm1', text, url: '', sentAt: 1 });
  return (await reply).text;
}

describe('createLeFluxServer', () => {
  it('lets socket.io answer long-polling itself (no route answers /socket.io/ twice)', async () => {
    const server = await start();
    const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^0\{"sid":/);
    // And a whole session over polling only, as behind a proxy that blocks websockets.
    const socket = visitorSocket(server.url, 'polling');
    try {
      const ack = await startSession(socket);
      expect(ack).toMatchObject({ ok: true, resumed: false });
    } finally {
      socket.disconnect();
    }
  });

  it('closes fast with open sockets and keep-alive connections, and the port can be reused', async () => {
    const first = await start();
    const agent = new Agent({ keepAlive: true });
    expect(await keepAliveGet(`${first.url}/healthz`, agent)).toBe(200);
    const socket = connect(first.url, {
      auth: { siteKey: 'acme' },
      transports: ['websocket'],
      reconnection: false,
    });
    await new Promise((done) => socket.once('connect', () => done(undefined)));
    const disconnected = new Promise((done) => socket.once('disconnect', done));

    const started = Date.now();
    await first.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await disconnected;
    // close() is idempotent.
    await first.close();

    const second = await start({ port: first.port });
    expect(second.port).toBe(first.port);
    expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
    agent.destroy();
  });

  it('close({ graceMs }) flips /readyz to 503, drops its widgets without a disconnect packet (they reconnect), lets an answer in flight be posted and logged', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((done) => (release = done));
    const dir = mkdtempSync(join(tmpdir(), 'leflux-app-'));
    const dbPath = join(dir, 'leflux.sqlite');
    const server = await start({
      dbPath,
      agent: {
        async reply() {
          await held;
          return { text: 'worth the wait' };
        },
      },
    });
    const checker = new Agent({ keepAlive: true });
    expect(await keepAliveGet(`${server.url}/readyz`, checker)).toBe(200);
    const socket = visitorSocket(server.url);
    const reasons: string[] = [];
    socket.on('disconnect', (reason) => reasons.push(reason));
    const init = await startSession(socket);
    if (!init.ok) throw new Error(init.error.code);
    await socket.timeout(5_000).emitWithAck('visitor_message', {
      id: 'm1',
      text: 'hello',
      url: '/',
      sentAt: Date.now(),
    });
    const closed = server.close({ graceMs: 5_000 });
    expect(await keepAliveGet(`${server.url}/readyz`, checker)).toBe(503);
    await vi.waitFor(() => expect(reasons).toEqual(['transport close']));
    release();
    await closed;
    socket.disconnect();
    checker.destroy();
    // Posted while closing, and in the log, which closing wrote out.
    const reopened = openSqliteMessageLog(dbPath);
    try {
      expect((await reopened.listSession(init.sessionId)).map((e) => e.text)).toEqual([
        'hello',
        'worth the wait',
      ]);
    } finally {
      await reopened.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the message log to LEFLUX_DB, creating its directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leflux-app-'));
    try {
      const dbPath = join(dir, 'data', 'leflux.sqlite');
      await start({ dbPath });
      expect(existsSync(dbPath)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens no database with the message log off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leflux-app-'));
    try {
      const dbPath = join(dir, 'data', 'leflux.sqlite');
      const server = await start({ dbPath, messageLog: false });
      expect(existsSync(join(dir, 'data'))).toBe(false);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('site settings', () => {
  it('opens the log for a site that keeps one while LEFLUX_MESSAGE_LOG is off, and logs only it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leflux-app-'));
    try {
      const dbPath = join(dir, 'leflux.sqlite');
      const server = await start({
        dbPath,
        crawl: false,
        messageLog: false,
        sites: new Map([['audited', { messageLog: true }]]),
      });
      const talk = async (siteKey: string) => {
        const socket = connect(server.url, {
          auth: { siteKey },
          transports: ['websocket'],
          forceNew: true,
        });
        try {
          const ack = await socket
            .timeout(5_000)
            .emitWithAck('session_init', { siteKey, url: '/', title: '' });
          const reply = new Promise((done) => socket.once('agent_message', done));
          await socket
            .timeout(5_000)
            .emitWithAck('visitor_message', { id: 'm1', text: 'hi', url: '', sentAt: 1 });
          await reply;
          return ack.sessionId as string;
        } finally {
          socket.disconnect();
        }
      };
      const audited = await talk('audited');
      const plain = await talk('acme');
      await server.close();
      const log = openSqliteMessageLog(dbPath);
      expect((await log.listSession(audited)).map((e) => e.author)).toEqual(['visitor', 'agent']);
      expect(await log.listSession(plain)).toEqual([]);
      await log.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('crawled context', () => {
  it('crawls its own demo site after listening, without holding up listen()', async () => {
    const server = await start();
    // listen() resolved before the crawl could finish: it needs HTTP round trips to itself.
    expect(server.site.pages()).toEqual([]);
    const { pages } = await server.crawled;
    expect(pages.map((p) => p.url)).toEqual(
      expect.arrayContaining(['/', '/pricing.html', '/contact.html', '/app/']),
    );
    expect(server.site.search('pro plan')[0]).toMatchObject({
      url: '/pricing.html',
      title: 'Pricing',
      snippet: expect.stringContaining('$29 per month'),
    });
  });

  it('crawls nothing with crawl off', async () => {
    const server = await start({ crawl: false });
    expect(await server.crawled).toEqual({ pages: [], failed: [] });
    expect(server.site.pages()).toEqual([]);
  });
});

describe('demo content belongs to the demo', () => {
  it('with the demo off: no demo pages, no crawl, no agent; messages are stored and logged, unanswered', async () => {
    const log = openSqliteMessageLog(':memory:');
    const server = await start({ demo: false, log });
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect((await fetch(`${server.url}/pricing.html`)).status).toBe(404);
    expect(await server.crawled).toEqual({ pages: [], failed: [] });
    // The widget and the API are there all the same.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    const socket = visitorSocket(server.url);
    try {
      const ack = await startSession(socket);
      let answered = false;
      socket.on('agent_message', () => {
        answered = true;
      });
      await socket
        .timeout(5_000)
        .emitWithAck('visitor_message', { id: 'm1', text: 'show me pricing', url: '', sentAt: 1 });
      await server.drain();
      expect(answered).toBe(false);
      expect((await log.listSession(ack.sessionId)).map((e) => [e.author, e.text])).toEqual([
        ['visitor', 'show me pricing'],
      ]);
    } finally {
      socket.disconnect();
    }
  });

  it('with the demo on: the pages and the demo agent', async () => {
    const server = await start({ demo: true, crawl: false });
    expect((await fetch(`${server.url}/pricing.html`)).status).toBe(200);
    const socket = visitorSocket(server.url);
    try {
      await startSession(socket);
      expect(await ask(socket, 'hello')).toMatch(/demo assistant/);
    } finally {
      socket.disconnect();
    }
  });
});

describe('LeFluxServer.post', () => {
  it('sends to the open tab at once; with none open, the message waits for the next restore', async () => {
    const server = await start({ demo: false });
    const socket = visitorSocket(server.url);
    try {
      const ack = await startSession(socket);
      const heard = new Promise((done) => socket.once('agent_message', done));
      const posted = await server.post(ack.sessionId, { text: 'Hello from Ada', name: 'Ada' });
      expect(posted).toMatchObject({
        author: 'agent',
        text: 'Hello from Ada',
        name: 'Ada',
        seq: 1,
      });
      expect(await heard).toEqual({
        id: posted.id,
        text: 'Hello from Ada',
        name: 'Ada',
        at: posted.at,
        seq: 1,
      });
      socket.disconnect();
      await server.post(ack.sessionId, { text: 'Are you still there?' });
      const restored = await fetch(`${server.url}/api/session/${ack.sessionId}`, {
        method: 'POST',
        body: JSON.stringify({ token: ack.token }),
      });
      expect((await restored.json()).history.map((m: { text: string }) => m.text)).toEqual([
        'Hello from Ada',
        'Are you still there?',
      ]);
    } finally {
      socket.disconnect();
    }
  });

  it('rejects with session_not_found for an unknown session, invalid_payload for a bad message', async () => {
    const server = await start({ demo: false });
    await expect(server.post('nope', { text: 'hi' })).rejects.toMatchObject({
      code: 'session_not_found',
    });
    await expect(server.typing('nope')).rejects.toMatchObject({ code: 'session_not_found' });
    await expect(server.post('nope', { text: ' ' })).rejects.toMatchObject({
      code: 'invalid_payload',
    });
  });
});

describe('attach and handle (inside another app)', () => {
  it('serves its routes through handle, hands the rest to next, runs socket.io on the app server, and leaves it open on close', async () => {
    const leflux = await createLeFluxServer({
      dbPath: ':memory:',
      logger: silentLogger,
      agent: { reply: async ({ message }) => ({ text: `echo: ${message.text}` }) },
    });
    // A connect/Express-style app: LeFlux first, then the app's own routes.
    const app = createServer((req, res) => {
      leflux.handle(req, res, () => {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`app: ${req.url}`);
      });
    });
    leflux.attach(app);
    await new Promise<void>((done) => app.listen(0, '127.0.0.1', done));
    const { port } = app.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;
    try {
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true });
      expect(await (await fetch(`${url}/orders/42`)).text()).toBe('app: /orders/42');
      // Under /api/session/ every path is LeFlux's.
      expect((await fetch(`${url}/api/session/x/nothing`, { method: 'POST' })).status).toBe(404);
      const socket = visitorSocket(url);
      try {
        await startSession(socket);
        expect(await ask(socket, 'hi')).toBe('echo: hi');
      } finally {
        socket.disconnect();
      }
      await leflux.close();
      // The app's server is the app's: still up.
      expect(await (await fetch(`${url}/still`)).text()).toBe('app: /still');
    } finally {
      app.closeAllConnections();
      await new Promise((done) => app.close(done));
    }
  });
});

// @vitest-environment node
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logger.js';
import { type LeFluxServer, startServer } from '../server.js';
import { sample } from './prometheus-sample.js';

const servers: LeFluxServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(overrides: Parameters<typeof startServer>[0] = {}, now?: () => number) {
  const server = await startServer({
    port: 0,
    dbPath: ':memory:',
    crawl: false,
    metricsPort: 0,
    logger: silentLogger,
    ...(now ? { now } : {}),
    ...overrides,
  });
  servers.push(server);
  return server;
}

async function openSocket(url: string): Promise<Socket> {
  const socket = connect(url, {
    auth: { siteKey: 'acme' },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  sockets.push(socket);
  await new Promise<void>((done, fail) => {
    socket.once('connect', done);
    socket.once('connect_error', fail);
  });
  return socket;
}

describe('LEFLUX_METRICS_PORT', () => {
  it('serves /metrics over HTTP on its own port, with the sockets on this node', async () => {
    const server = await start();
    expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.metricsUrl).not.toBe(server.url);
    await openSocket(server.url);
    await openSocket(server.url);

    const res = await fetch(`${server.metricsUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(sample(text, 'leflux_sockets')).toBe(2);
    expect(text).toContain('# TYPE leflux_agent_latency_seconds histogram');
    expect(sample(text, 'leflux_messages_total{direction="in"}')).toBe(0);
    expect(text).toContain('process_resident_memory_bytes');

    // Only /metrics, and not on the public port.
    expect((await fetch(`${server.metricsUrl}/`)).status).toBe(404);
    expect((await fetch(`${server.metricsUrl}/metrics`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);

    sockets[0]!.disconnect();
    await vi.waitFor(async () =>
      expect(
        sample(await (await fetch(`${server.metricsUrl}/metrics`)).text(), 'leflux_sockets'),
      ).toBe(1),
    );
  });

  it('counts the evictions of the sweeper', async () => {
    let clock = 1_000_000;
    const server = await start({ idleTtlMs: 1000, sweepIntervalMs: 10 }, () => clock);
    const socket = await openSocket(server.url);
    const init = await socket
      .timeout(5000)
      .emitWithAck('session_init', { siteKey: 'acme', url: 'https://acme.test/', title: '' });
    expect(init).toMatchObject({ ok: true });
    clock += 5000;
    await vi.waitFor(async () => {
      const text = await (await fetch(`${server.metricsUrl}/metrics`)).text();
      expect(sample(text, 'leflux_evictions_total')).toBe(1);
    });
  });

  it('counts messages in and out, agent latency, restores, takeovers, errors and live sessions', async () => {
    const server = await start({ demo: true });
    const scrape = async () => (await fetch(`${server.metricsUrl}/metrics`)).text();
    const a = await openSocket(server.url);
    const init = await a
      .timeout(5000)
      .emitWithAck('session_init', { siteKey: 'acme', url: 'https://acme.test/', title: '' });
    if (!init.ok) throw new Error(init.error.code);
    const answered = new Promise((done) => a.once('agent_message', done));
    const message = { id: 'm1', text: 'hello', url: 'https://acme.test/', sentAt: Date.now() };
    await a.timeout(5000).emitWithAck('visitor_message', message);
    await answered;
    // A resend is not a new message.
    await a.timeout(5000).emitWithAck('visitor_message', message);
    // An invalid message is refused with a code.
    await a.timeout(5000).emitWithAck('visitor_message', { id: 'm2' });
    const b = await openSocket(server.url);
    await b.timeout(5000).emitWithAck('session_init', {
      siteKey: 'acme',
      url: 'https://acme.test/',
      title: '',
      sessionId: init.sessionId,
      token: init.token,
    });
    const restore = (token: string) =>
      fetch(`${server.url}/api/session/${init.sessionId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
    expect((await restore(init.token)).status).toBe(200);
    expect((await restore('wrong')).status).toBe(401);
    expect(
      (
        await fetch(`${server.url}/api/session/unknown`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: 'x' }),
        })
      ).status,
    ).toBe(404);

    await vi.waitFor(async () => {
      const text = await scrape();
      expect(sample(text, 'leflux_messages_total{direction="in"}')).toBe(1);
      expect(sample(text, 'leflux_messages_total{direction="out"}')).toBe(1);
      expect(sample(text, 'leflux_agent_latency_seconds_count')).toBe(1);
      expect(sample(text, 'leflux_restores_total{result="found"}')).toBe(1);
      expect(sample(text, 'leflux_restores_total{result="not_found"}')).toBe(1);
      expect(sample(text, 'leflux_takeovers_total')).toBe(1);
      expect(sample(text, 'leflux_errors_total{code="invalid_payload"}')).toBe(1);
      expect(sample(text, 'leflux_errors_total{code="unauthorized"}')).toBe(1);
      expect(sample(text, 'leflux_errors_total{code="session_not_found"}')).toBe(1);
      expect(sample(text, 'leflux_live_sessions')).toBe(1);
    });
  });

  it('is off when unset, and closes with the server', async () => {
    const off = await start({ metricsPort: undefined });
    expect(off.metricsUrl).toBeUndefined();
    const on = await start();
    const url = `${on.metricsUrl}/metrics`;
    await on.close();
    await expect(fetch(url)).rejects.toThrow();
  });

  it('does not start when the metrics port is taken, naming it', async () => {
    const first = await start();
    const port = Number(new URL(first.metricsUrl!).port);
    await expect(start({ metricsPort: port })).rejects.toThrow(
      new RegExp(`metrics server: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
    );
  });
});

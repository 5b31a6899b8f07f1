// @vitest-environment node
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeTimers } from '../client-fakes.js';
import { type Connection, noAnswer, openConnection } from './connection.js';

/** A bare socket.io server on loopback whose handlers the test writes. */
async function bareServer(
  onConnection: (socket: import('socket.io').Socket) => void,
  middleware?: Parameters<Server['use']>[0],
) {
  const http = createServer();
  const io = new Server(http);
  if (middleware) io.use(middleware);
  io.on('connection', onConnection);
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, io, close: () => io.close() };
}

const events = () => ({
  connected: vi.fn(),
  disconnected: vi.fn(),
  refused: vi.fn(),
  agent_message: vi.fn(),
  agent_typing: vi.fn(),
  action: vi.fn(),
  task_aborted: vi.fn(),
  task_done: vi.fn(),
  taken_over: vi.fn(),
  session_evicted: vi.fn(),
});

const init = { siteKey: 'acme', url: 'http://site.test/', title: 'Site' };
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('openConnection', () => {
  it('hands server events over unchecked, by their wire names', async () => {
    const server = await bareServer((socket) => {
      socket.emit('agent_message', { id: 'a1', text: 42 });
      socket.emit('session_evicted', {});
    });
    cleanups.push(server.close);
    const on = events();
    const connection = await openConnection({ server: server.url, siteKey: 'acme', events: on });
    cleanups.push(() => connection.close());
    await vi.waitFor(() => expect(on.session_evicted).toHaveBeenCalled());
    expect(on.connected).toHaveBeenCalled();
    expect(on.agent_message).toHaveBeenCalledWith({ id: 'a1', text: 42 });
  });

  it('an ack that never comes is given up after the timeout, on the injected timers', async () => {
    const server = await bareServer((socket) => socket.on('session_init', () => {}));
    cleanups.push(server.close);
    const timers = fakeTimers();
    const on = events();
    const connection: Connection = await openConnection({
      server: server.url,
      siteKey: 'acme',
      events: on,
      ackTimeoutMs: 10_000,
      schedule: timers.schedule,
    });
    cleanups.push(() => connection.close());
    await vi.waitFor(() => expect(on.connected).toHaveBeenCalled());
    let answer: unknown = 'waiting';
    void connection.init(init).then((a) => {
      answer = a;
    });
    timers.advance(9_999);
    await Promise.resolve();
    expect(answer).toBe('waiting');
    timers.advance(1);
    await vi.waitFor(() => expect(answer).toBe(noAnswer));
    expect(timers.pending()).toBe(0);
  });

  it('a dropped socket answers what waits at once, and an ack in time cancels its timer', async () => {
    const server = await bareServer((socket) => {
      socket.on('session_init', (_payload, ack) => ack({ ok: true }));
      socket.on('visitor_message', () => socket.disconnect());
    });
    cleanups.push(server.close);
    const timers = fakeTimers();
    const on = events();
    const connection = await openConnection({
      server: server.url,
      siteKey: 'acme',
      events: on,
      schedule: timers.schedule,
    });
    cleanups.push(() => connection.close());
    await vi.waitFor(() => expect(on.connected).toHaveBeenCalled());
    expect(await connection.init(init)).toEqual({ ok: true });
    expect(timers.pending()).toBe(0);
    const answer = await connection.sendMessage({ id: 'm1', text: 'hi', url: '', sentAt: 1 });
    expect(answer).toBe(noAnswer);
    expect(on.disconnected).toHaveBeenCalled();
    expect(timers.pending()).toBe(0);
  });

  it('sends the site in the handshake, and reports a refused handshake once, without retrying', async () => {
    const seen: unknown[] = [];
    const server = await bareServer(
      () => {},
      (socket, next) => {
        seen.push(socket.handshake.auth);
        next(
          Object.assign(new Error('pages on x may not use site acme'), {
            data: { code: 'origin_not_allowed' },
          }),
        );
      },
    );
    cleanups.push(server.close);
    const on = events();
    const connection = await openConnection({ server: server.url, siteKey: 'acme', events: on });
    cleanups.push(() => connection.close());
    await vi.waitFor(() => expect(on.refused).toHaveBeenCalled());
    expect(on.refused).toHaveBeenCalledWith('pages on x may not use site acme');
    expect(seen).toEqual([{ siteKey: 'acme' }]);
    // socket.io does not reconnect after a refusal by the server.
    await new Promise((done) => setTimeout(done, 700));
    expect(seen).toHaveLength(1);
    expect(on.connected).not.toHaveBeenCalled();
  });
});

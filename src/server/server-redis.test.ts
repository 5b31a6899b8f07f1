// @vitest-environment node
import { Agent as HttpAgent } from 'node:http';
import { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type {
  ChatMessage,
  ServerToClientEvents,
  SessionInitOk,
  VisitorMessagePayload,
} from '../protocol/index.js';
import type { Agent } from './agent/agent.js';
import { openSqliteMessageLog } from './log/sqlite-log.js';
import { silentLogger } from './logger.js';
import { initSession, openTestSocket, type TestSocket } from './realtime/test-socket.js';
import { type LeFluxServerOptions, startServer } from './server.js';
import { createRedisSessionStore } from './stores/redis-store.js';
import { keepAliveGet } from './testing/keep-alive-get.js';
import { freeLoopbackPort } from './testing/loopback-port.js';
import { redisForThisFile } from './testing/per-file-servers.js';
import { startRoundRobinProxy } from './testing/round-robin-proxy.js';
import { skipWithoutServers } from './testing/server-binaries.js';
import { startTwoNodes, type TestNode } from './testing/two-nodes.js';

type Node = TestNode;

const TTL = 60_000;
const API_KEY = 'k'.repeat(32);

/** Resolves with the event's payload when it arrives. */
function next<E extends keyof ServerToClientEvents>(socket: TestSocket, event: E) {
  return new Promise<Parameters<ServerToClientEvents[E]>[0]>((done) => {
    // The listener type differs per event; the payload is what the test asserts on.
    socket.once(event, done as never);
  });
}

/** Counts the events of one kind a socket receives from now on. */
function counter(socket: TestSocket, event: keyof ServerToClientEvents) {
  const seen: unknown[] = [];
  (socket.on as (event: string, listener: (payload: unknown) => void) => void)(event, (payload) =>
    seen.push(payload),
  );
  return seen;
}

const message = (id: string, text = `text of ${id}`): VisitorMessagePayload => ({
  id,
  text,
  url: 'https://acme.test/',
  sentAt: Date.now(),
});

function bound(ack: Awaited<ReturnType<typeof initSession>>): SessionInitOk {
  if (!ack.ok) throw new Error(`session_init failed: ${ack.error.code}`);
  return ack;
}

describe.skipIf(skipWithoutServers(['redis'], 'LeFlux nodes on Redis'))(
  'two LeFlux nodes on one Redis',
  () => {
    const redis = redisForThisFile();
    const nodes: Node[] = [];
    const sockets: TestSocket[] = [];
    const closers: (() => Promise<void>)[] = [];
    let clock = 0;
    const now = () => clock;

    afterEach(async () => {
      for (const socket of sockets.splice(0)) socket.disconnect();
      await Promise.all(nodes.splice(0).map((node) => node.close()));
      for (const close of closers.splice(0)) await close();
    });

    /** Two nodes of one deployment (a key prefix of their own, so tests do not meet). */
    async function twoNodes(options: LeFluxServerOptions = {}): Promise<[Node, Node]> {
      clock = 1_000_000;
      const pair = await startTwoNodes(redis().url, {
        apiKey: API_KEY,
        idleTtlMs: TTL,
        now,
        ...options,
      });
      nodes.push(...pair);
      return pair;
    }

    const open = (node: Node) => openTestSocket(node.url, sockets);

    it('a tab on node 2 takes the session over from a tab on node 1', async () => {
      const [one, two] = await twoNodes();
      const a = await open(one);
      const { sessionId, token } = bound(await initSession(a));
      const takenOver = next(a, 'taken_over');
      const b = await open(two);
      const ack = bound(await initSession(b, { sessionId, token }));
      expect(ack.resumed).toBe(true);
      await takenOver;
      // The older tab no longer speaks for the session; the newer one does.
      expect(await a.timeout(2000).emitWithAck('visitor_message', message('m1'))).toMatchObject({
        ok: false,
        error: { code: 'not_bound' },
      });
      expect(await b.timeout(2000).emitWithAck('visitor_message', message('m2'))).toMatchObject({
        ok: true,
        seq: 1,
      });
      expect(await one.metrics.registry.getSingleMetricAsString('leflux_takeovers_total')).toMatch(
        /leflux_takeovers_total 0/,
      );
      expect(await two.metrics.registry.getSingleMetricAsString('leflux_takeovers_total')).toMatch(
        /leflux_takeovers_total 1/,
      );
    });

    it("an operator's message and typing through node 2 reach the tab on node 1", async () => {
      const [one, two] = await twoNodes();
      const a = await open(one);
      const { sessionId } = bound(await initSession(a));
      const typing = next(a, 'agent_typing');
      const typed = await fetch(`${two.url}/api/session/${sessionId}/typing`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      expect(typed.status).toBe(204);
      await typing;
      const arrived = next(a, 'agent_message');
      const posted = await fetch(`${two.url}/api/session/${sessionId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'Ada here, how can I help?', name: 'Ada' }),
      });
      expect(posted.status).toBe(201);
      expect(await arrived).toMatchObject({
        text: 'Ada here, how can I help?',
        name: 'Ada',
        seq: 1,
      });
      // And LeFluxServer.post on node 2 too.
      const again = next(a, 'agent_message');
      await two.post(sessionId, { text: 'Still there?' });
      expect(await again).toMatchObject({ text: 'Still there?', seq: 2 });
    });

    it('a purge through node 2 ends the session of the tab on node 1', async () => {
      const [one, two] = await twoNodes();
      const a = await open(one);
      const { sessionId, token } = bound(await initSession(a));
      const evicted = next(a, 'session_evicted');
      const disconnected = new Promise((done) => a.once('disconnect', done));
      const purged = await fetch(`${two.url}/api/session/${sessionId}`, {
        method: 'DELETE',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      expect(purged.status).toBe(204);
      await evicted;
      expect(await disconnected).toBe('io server disconnect');
      const restore = await fetch(`${one.url}/api/session/${sessionId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      expect(restore.status).toBe(404);
    });

    it('an idle session is evicted once: its tab hears one session_evicted from two sweeping nodes', async () => {
      const [one, two] = await twoNodes({ sweepIntervalMs: 10 });
      const a = await open(one);
      const evictions = counter(a, 'session_evicted');
      const { sessionId } = bound(await initSession(a));
      const b = await open(two);
      const other = counter(b, 'session_evicted');
      bound(await initSession(b));
      clock += TTL;
      await vi.waitFor(() => expect(evictions.length + other.length).toBe(2), { timeout: 5000 });
      // Several more rounds of both sweepers: nothing more.
      await new Promise((done) => setTimeout(done, 200));
      expect(evictions).toHaveLength(1);
      expect(other).toHaveLength(1);
      const count = async (node: Node) =>
        Number(
          /leflux_evictions_total (\d+)/.exec(
            await node.metrics.registry.getSingleMetricAsString('leflux_evictions_total'),
          )?.[1],
        );
      expect((await count(one)) + (await count(two))).toBe(2);
      await expect(two.post(sessionId, { text: 'anyone?' })).rejects.toMatchObject({
        code: 'session_not_found',
      });
    });

    it("a task past its deadline ends once: one abort message, whichever node's sweeper finds it", async () => {
      const agent: Agent = {
        reply: async () => ({
          text: 'Let me show you.',
          task: {
            label: 'Showing pricing',
            steps: [{ type: 'highlight', selector: '#price' } as const],
          },
        }),
      };
      // Idle eviction far away: the step's own 60 s run out first.
      const [one, two] = await twoNodes({ sweepIntervalMs: 10, agent, idleTtlMs: 10 * TTL });
      const a = await open(one);
      const aborts = counter(a, 'task_aborted');
      const messages = counter(a, 'agent_message');
      const { sessionId } = bound(await initSession(a));
      const action = next(a, 'action');
      await a.timeout(2000).emitWithAck('visitor_message', message('m1'));
      await action;
      // The widget never reports the step's result: its 60 s run out.
      clock += 61_000;
      await vi.waitFor(() => expect(aborts).toHaveLength(1), { timeout: 5000 });
      await new Promise((done) => setTimeout(done, 200));
      expect(aborts).toHaveLength(1);
      await one.drain();
      await two.drain();
      const history = (await one.post(sessionId, { text: 'last' })).seq;
      // visitor message, "Let me show you.", the one notice the abort posted, "last".
      expect(history).toBe(4);
      await vi.waitFor(() => expect(messages).toHaveLength(3));
      expect((messages as ChatMessage[]).map((m) => m.text)).toEqual([
        'Let me show you.',
        expect.any(String),
        'last',
      ]);
    });

    it('keeps one numbering when both nodes write one session at once', async () => {
      const [one, two] = await twoNodes();
      const a = await open(one);
      const { sessionId, token } = bound(await initSession(a));
      const received = counter(a, 'agent_message');
      const sent = Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? one : two).post(sessionId, { text: `n${i}` }),
      );
      const seqs = (await Promise.all(sent)).map((m) => m.seq ?? 0).sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      await vi.waitFor(() => expect(received).toHaveLength(20));
      const restored = await fetch(`${two.url}/api/session/${sessionId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      const { history } = (await restored.json()) as { history: ChatMessage[] };
      expect(history.map((m) => m.seq)).toEqual(seqs);
      expect(new Set(history.map((m) => m.text)).size).toBe(20);
    });

    it('logs what a node that died stored without logging: a resend, and what a reconnecting tab missed', async () => {
      clock = 1_000_000;
      const log = openSqliteMessageLog(':memory:');
      const redisPrefix = `t${nanoid(6)}:`;
      const survivor = (await startServer({
        storeKind: 'redis',
        redisUrl: redis().url,
        redisPrefix,
        idleTtlMs: TTL,
        logger: silentLogger,
        now,
        log,
      })) as Node;
      nodes.push(survivor);
      // What the dead node left in Redis: a visitor message stored (not acked) and an answer
      // stored (not sent), neither logged.
      const store = createRedisSessionStore({
        client: new Redis(redis().url),
        keyPrefix: redisPrefix,
        idleTtlMs: TTL,
        now,
      });
      closers.push(() => store.close());
      const session = await store.sessions.create('acme');
      await store.sockets.bind(session.id, 'socket-on-the-dead-node');
      const sent = message('m1');
      await store.history.appendVisitor(
        session.id,
        { id: sent.id, author: 'visitor', text: sent.text, at: sent.sentAt },
        { socketId: 'socket-on-the-dead-node', at: clock, url: sent.url },
      );
      await store.history.append(session.id, {
        id: 'a1',
        author: 'agent',
        text: 'an answer',
        at: clock,
      });
      expect(await log.listSession(session.id)).toEqual([]);

      const tab = await open(survivor);
      const ack = bound(
        await initSession(tab, { sessionId: session.id, token: session.token, lastSeq: 1 }),
      );
      expect(ack.missed.map((m) => m.id)).toEqual(['a1']);
      expect(await tab.timeout(2000).emitWithAck('visitor_message', sent)).toMatchObject({
        ok: true,
        seq: 1,
        duplicate: true,
      });
      expect((await log.listSession(session.id)).map((e) => e.messageId)).toEqual(['m1', 'a1']);
    });

    it('does not start when Redis does not answer, naming it (never its password)', async () => {
      const port = await freeLoopbackPort();
      const error = await startServer({
        storeKind: 'redis',
        redisUrl: `redis://:hunter2@127.0.0.1:${port}/0`,
        dbPath: ':memory:',
        logger: silentLogger,
      }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(
        new RegExp(`^session store redis://127\\.0\\.0\\.1:${port}/0: .*ECONNREFUSED`),
      );
      expect(error?.message).not.toContain('hunter2');
    });

    describe('closing a node behind a load balancer', () => {
      it('answers /readyz 503 while it drains; its tab reconnects to the other node and keeps its session and answers', async () => {
        let release: () => void = () => {};
        const answered = new Promise<void>((done) => (release = done));
        let asked = 0;
        const agent: Agent = {
          async reply({ message: m }) {
            asked++;
            // The first answer is still being written when its node is told to stop.
            if (asked === 1) await answered;
            return { text: `answer to ${m.text}` };
          },
        };
        const [one, two] = await twoNodes({ agent });
        const proxy = await startRoundRobinProxy({ ports: [one.port, two.port] });
        closers.push(() => proxy.close());
        // As the widget does: socket.io's own reconnection, session_init on every connect.
        const socket: TestSocket = connect(proxy.url, {
          auth: { siteKey: 'acme' },
          transports: ['websocket'],
          forceNew: true,
          reconnectionDelay: 50,
        });
        sockets.push(socket);
        let session: { sessionId?: string; token?: string } = {};
        const inits: SessionInitOk[] = [];
        const reasons: string[] = [];
        socket.on('disconnect', (reason) => reasons.push(reason));
        socket.on('connect', () => {
          void initSession(socket, session).then((ack) => {
            const ok = bound(ack);
            session = { sessionId: ok.sessionId, token: ok.token };
            inits.push(ok);
          });
        });
        const answers = counter(socket, 'agent_message');
        await vi.waitFor(() => expect(inits).toHaveLength(1));
        const first = proxy.connections.get(one.port) === 1 ? one : two;
        const second = first === one ? two : one;
        expect(
          await socket.timeout(2000).emitWithAck('visitor_message', message('m1')),
        ).toMatchObject({
          ok: true,
          seq: 1,
        });
        await vi.waitFor(() => expect(asked).toBe(1));

        // A health checker's keep-alive connection, open before the close.
        const checker = new HttpAgent({ keepAlive: true });
        expect(await keepAliveGet(`${first.url}/readyz`, checker)).toBe(200);
        const closed = first.close({ graceMs: 5000 });
        expect(await keepAliveGet(`${first.url}/readyz`, checker)).toBe(503);
        // New connections are refused: the load balancer sends them to the other node.
        await expect(fetch(`${first.url}/readyz`)).rejects.toThrow();
        expect(await keepAliveGet(`${second.url}/readyz`, checker)).toBe(200);
        // The tab reconnects through the proxy, to the other node, and resumes its session.
        await vi.waitFor(() => expect(inits).toHaveLength(2), { timeout: 5000 });
        expect(reasons).toEqual(['transport close']);
        expect(inits[1]).toMatchObject({ resumed: true, sessionId: session.sessionId });
        // The answer the closing node was writing still reaches the tab, on the other node.
        release();
        await closed;
        checker.destroy();
        await vi.waitFor(() => expect(answers).toHaveLength(1));
        expect(answers[0]).toMatchObject({ text: 'answer to text of m1', seq: 2 });
        expect(
          await socket.timeout(2000).emitWithAck('visitor_message', message('m2')),
        ).toMatchObject({
          ok: true,
          seq: 3,
        });
        await vi.waitFor(() => expect(answers).toHaveLength(2));
      });
    });
  },
);

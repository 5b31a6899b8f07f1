// @vitest-environment node
import { nanoid } from 'nanoid';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InboxNews, OperatorSession } from '../protocol/dashboard.js';
import type { SessionInitOk } from '../protocol/index.js';
import type { Agent } from './agent/agent.js';
import { initSession, openTestSocket, type TestSocket } from './realtime/test-socket.js';
import type { LeFluxServerOptions } from './server.js';
import { redisForThisFile } from './testing/per-file-servers.js';
import { skipWithoutServers } from './testing/server-binaries.js';
import { startTwoNodes, type TestNode } from './testing/two-nodes.js';

/*
 * The dashboard on two nodes of one deployment (LEFLUX_STORE=redis): an operator signed in on
 * one node acts on a visitor connected to the other.
 */

type Node = TestNode;

const ADMIN_KEY = 'redis-dashboard-admin-key-01';

describe.skipIf(skipWithoutServers(['redis'], 'the dashboard on Redis'))(
  'the dashboard on two LeFlux nodes on one Redis',
  () => {
    const redis = redisForThisFile();
    const nodes: Node[] = [];
    const sockets: (TestSocket | Socket)[] = [];

    afterEach(async () => {
      for (const socket of sockets.splice(0)) socket.disconnect();
      await Promise.all(nodes.splice(0).map((node) => node.close()));
    });

    async function twoNodes(options: LeFluxServerOptions = {}): Promise<[Node, Node]> {
      const pair = await startTwoNodes(redis().url, { adminKey: ADMIN_KEY, ...options });
      nodes.push(...pair);
      return pair;
    }

    /** A visitor on `node`, bound to a new session. */
    async function visitor(node: Node) {
      const socket = await openTestSocket(node.url, sockets as TestSocket[]);
      const ack = (await initSession(socket)) as SessionInitOk;
      const answers: string[] = [];
      socket.on('agent_message', (message) => answers.push(message.text));
      let n = 0;
      const say = (text: string) =>
        socket.timeout(2000).emitWithAck('visitor_message', {
          id: `m${++n}`,
          text,
          url: 'https://acme.test/',
          sentAt: Date.now(),
        });
      return { socket, sessionId: ack.sessionId, answers, say };
    }

    /** An operator signed in on `node`: calls to its dashboard API. */
    async function operator(node: Node) {
      const res = await fetch(`${node.url}/dashboard/api/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: node.url },
        body: JSON.stringify({ key: ADMIN_KEY }),
      });
      expect(res.status).toBe(200);
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const { csrf } = (await res.json()) as OperatorSession;
      const call = (method: string, path: string, body?: unknown) =>
        fetch(`${node.url}/dashboard/api/${path}`, {
          method,
          headers: {
            cookie,
            origin: node.url,
            'x-leflux-csrf': csrf,
            ...(body !== undefined && { 'content-type': 'application/json' }),
          },
          ...(body !== undefined && { body: JSON.stringify(body) }),
        });
      return { cookie, call };
    }

    it('a takeover on one node silences the agent on the other, even mid-answer, until Hand back', async () => {
      let release = () => {};
      const asked: string[] = [];
      const agent: Agent = {
        async reply({ message }) {
          asked.push(message.text);
          if (message.text === 'slow') await new Promise<void>((done) => (release = done));
          return { text: `Agent: ${message.text}` };
        },
      };
      const [one, two] = await twoNodes({ agent });
      const v = await visitor(two);
      await v.say('slow');
      await vi.waitFor(() => expect(asked).toEqual(['slow']));

      const { call } = await operator(one);
      const taken = await call('POST', `sites/acme/sessions/${v.sessionId}/takeover`, {
        name: 'Ada',
      });
      expect(taken.status).toBe(200);
      // The answer node two was computing ends without reaching the visitor.
      release();
      await two.drain();
      await v.say('anyone there?');
      await two.drain();
      expect(asked).toEqual(['slow']);
      expect(v.answers).toEqual([]);
      // The operator on node one answers the visitor on node two.
      const reply = await call('POST', `sites/acme/sessions/${v.sessionId}/messages`, {
        text: 'Ada here.',
        name: 'Ada',
      });
      expect(reply.status).toBe(201);
      await vi.waitFor(() => expect(v.answers).toEqual(['Ada here.']));

      expect((await call('DELETE', `sites/acme/sessions/${v.sessionId}/takeover`)).status).toBe(
        200,
      );
      await v.say('back');
      await vi.waitFor(() => expect(v.answers).toEqual(['Ada here.', 'Agent: back']));
    });

    it('a dashboard on one node hears of a conversation on the other', async () => {
      const [one, two] = await twoNodes();
      const { cookie } = await operator(one);
      const socket = connect(`${one.url}/dashboard`, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        auth: { siteKey: 'acme' },
        extraHeaders: { cookie, origin: one.url },
      });
      sockets.push(socket);
      await new Promise<void>((done, fail) => {
        socket.once('connect', () => done());
        socket.once('connect_error', fail);
      });
      const news: InboxNews[] = [];
      socket.on('news', (n: InboxNews) => news.push(n));
      const v = await visitor(two);
      await v.say('hello from node two');
      await vi.waitFor(() =>
        expect(news).toContainEqual(
          expect.objectContaining({
            type: 'message',
            sessionId: v.sessionId,
            message: expect.objectContaining({ text: 'hello from node two' }),
          }),
        ),
      );
    });

    it('counts wrong keys once for every node: the limit holds whichever node is asked', async () => {
      const [one, two] = await twoNodes({ signInAttempts: 4 });
      const attempt = (node: Node, key: string) =>
        fetch(`${node.url}/dashboard/api/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ key }),
        });
      for (const node of [one, two, one, two]) {
        expect((await attempt(node, `wrong-key-${nanoid()}`)).status).toBe(401);
      }
      for (const node of [one, two]) {
        const limited = await attempt(node, ADMIN_KEY);
        expect(limited.status).toBe(429);
        expect((await limited.json()).error.code).toBe('rate_limited');
      }
    });
  },
);

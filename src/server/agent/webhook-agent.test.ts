// @vitest-environment node
import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentMessagePayload, SessionInitPayload } from '../../protocol/index.js';
import { silentLogger } from '../logger.js';
import { initSession, openTestSocket, type TestSocket } from '../realtime/test-socket.js';
import { type LeFluxServer, startServer } from '../server.js';
import { createSiteContext } from '../site/site-search.js';
import type { AgentContext } from './agent.js';
import { AGENT_FAILED_TEXT } from './dispatch.js';
import {
  createWebhookAgent,
  verifyWebhookSignature,
  WebhookAnswerError,
  type WebhookRequest,
} from './webhook-agent.js';

const SECRET = 'webhook-secret-0123456789';

/** One request the webhook received, as sent: raw bytes and headers. */
interface Received {
  raw: string;
  headers: IncomingHttpHeaders;
  body: WebhookRequest;
}

/**
 * A webhook receiver on a loopback port. Each request is answered by the next of `answers`
 * (the last one repeats): a status and a body, or `hang` (never answers).
 */
async function webhook(...answers: ({ status: number; body?: unknown } | 'hang')[]) {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ raw, headers: req.headers, body: JSON.parse(raw) as WebhookRequest });
      const answer = answers[Math.min(received.length - 1, answers.length - 1)] ?? 'hang';
      if (answer === 'hang') return void hanging.push(res);
      const json = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(json);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  opened.push(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });
  return { url: `http://127.0.0.1:${port}/leflux`, received };
}

const opened: (() => Promise<unknown>)[] = [];
const sockets: TestSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await Promise.all(opened.splice(0).map((close) => close()));
});

/** An agent context as the dispatch builds one, for calling the webhook agent directly. */
function context(overrides: Partial<AgentContext> = {}): AgentContext & { typed: number } {
  const ctx = {
    typed: 0,
    session: { id: 'session-1', siteKey: 'acme', visitorId: 'v1', createdAt: 1, lastActiveAt: 2 },
    message: { id: 'm1', author: 'visitor' as const, text: 'hello', at: 5, seq: 1 },
    history: [{ id: 'm1', author: 'visitor' as const, text: 'hello', at: 5, seq: 1 }],
    page: { url: 'https://acme.test/pricing', title: 'Pricing' },
    site: createSiteContext(),
    data: {} as AgentContext['data'],
    signal: new AbortController().signal,
    typing() {
      ctx.typed++;
    },
    post: async () => {},
    ...overrides,
  };
  return ctx;
}

const fast = { secret: SECRET, backoffMs: [10, 20], timeoutMs: 1500, logger: silentLogger };

describe('webhook agent', () => {
  it('POSTs the message signed, with a delivery id, and posts a 200 answer', async () => {
    const hook = await webhook({ status: 200, body: { text: 'Hi from the webhook' } });
    const agent = createWebhookAgent({ url: hook.url, ...fast });
    expect(await agent.reply(context())).toEqual({ text: 'Hi from the webhook' });
    const [request] = hook.received;
    expect(request?.body).toEqual({
      type: 'visitor_message',
      siteKey: 'acme',
      sessionId: 'session-1',
      visitorId: 'v1',
      identity: null,
      message: { id: 'm1', text: 'hello', url: 'https://acme.test/pricing', sentAt: 5 },
      page: { url: 'https://acme.test/pricing', title: 'Pricing' },
      history: [{ id: 'm1', author: 'visitor', text: 'hello', at: 5, seq: 1 }],
    });
    expect(request?.headers['content-type']).toMatch(/^application\/json/);
    expect(request?.headers['x-leflux-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(
      verifyWebhookSignature(
        request!.raw,
        request!.headers['x-leflux-signature'] as string,
        SECRET,
      ),
    ).toBe(true);
    expect(
      verifyWebhookSignature(
        request!.raw,
        request!.headers['x-leflux-signature'] as string,
        `${SECRET}x`,
      ),
    ).toBe(false);
    expect(
      verifyWebhookSignature(
        `${request!.raw} `,
        request!.headers['x-leflux-signature'] as string,
        SECRET,
      ),
    ).toBe(false);
    expect(request?.headers['x-leflux-delivery']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('retries a 5xx and a timeout with the same delivery id, then posts the answer', async () => {
    const hook = await webhook({ status: 503 }, 'hang', {
      status: 200,
      body: { text: 'third time' },
    });
    const agent = createWebhookAgent({ url: hook.url, ...fast });
    expect(await agent.reply(context())).toEqual({ text: 'third time' });
    expect(hook.received).toHaveLength(3);
    expect(new Set(hook.received.map((r) => r.headers['x-leflux-delivery'])).size).toBe(1);
    // Each message is a delivery of its own.
    await agent.reply(context());
    expect(hook.received.at(-1)?.headers['x-leflux-delivery']).not.toBe(
      hook.received[0]?.headers['x-leflux-delivery'],
    );
  });

  it('gives up after two retries', async () => {
    const hook = await webhook({ status: 500 });
    const agent = createWebhookAgent({ url: hook.url, ...fast });
    await expect(agent.reply(context())).rejects.toThrow(/answered 500/);
    expect(hook.received).toHaveLength(3);
  });

  it('retries when nothing listens, then gives up', async () => {
    const hook = await webhook({ status: 200 });
    await Promise.all(opened.splice(0).map((close) => close()));
    const agent = createWebhookAgent({ url: hook.url, ...fast });
    await expect(agent.reply(context())).rejects.toThrow(/could not reach the webhook/);
  });

  it('204 says nothing now; typing: true shows the indicator', async () => {
    const quiet = await webhook({ status: 204 });
    expect(await createWebhookAgent({ url: quiet.url, ...fast }).reply(context())).toBeNull();
    const typing = await webhook({ status: 200, body: { typing: true } });
    const ctx = context();
    expect(await createWebhookAgent({ url: typing.url, ...fast }).reply(ctx)).toBeNull();
    expect(ctx.typed).toBe(1);
  });

  it.each([
    ['not JSON', 'not json at all'],
    ['an array', [1, 2]],
    ['a number for text', { text: 5 }],
    ['a text over the limit', { text: 'x'.repeat(4001) }],
    ['a bad task', { task: { label: 'x', steps: [{ type: 'explode' }] } }],
    ['a string for typing', { typing: 'yes' }],
  ])('refuses %s as an answer, without retrying', async (_, body) => {
    const hook = await webhook({ status: 200, body });
    const agent = createWebhookAgent({ url: hook.url, ...fast });
    await expect(agent.reply(context())).rejects.toBeInstanceOf(WebhookAnswerError);
    expect(hook.received).toHaveLength(1);
  });

  it('a 4xx is not retried', async () => {
    const hook = await webhook({ status: 404 });
    await expect(createWebhookAgent({ url: hook.url, ...fast }).reply(context())).rejects.toThrow(
      /answered 404/,
    );
    expect(hook.received).toHaveLength(1);
  });

  it('stops at once when the answer is no longer wanted', async () => {
    const hook = await webhook('hang');
    const stop = new AbortController();
    const pending = createWebhookAgent({ url: hook.url, ...fast }).reply(
      context({ signal: stop.signal }),
    );
    await expect.poll(() => hook.received.length).toBe(1);
    stop.abort(new Error('timed out'));
    await expect(pending).rejects.toThrow('timed out');
    expect(hook.received).toHaveLength(1);
  });
});

describe('webhook agent in the server', () => {
  let server: (LeFluxServer & { url: string }) | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function chat(agentUrl: string, identity?: SessionInitPayload['identity']) {
    server = await startServer({
      agentUrl,
      agentSecret: SECRET,
      agentTimeoutMs: 3000,
      dbPath: ':memory:',
      logger: silentLogger,
    });
    const socket = await openTestSocket(server.url, sockets);
    const ack = await initSession(socket, { visitorId: 'v1', ...(identity ? { identity } : {}) });
    if (!ack.ok) throw new Error(ack.error.message);
    const replies: AgentMessagePayload[] = [];
    socket.on('agent_message', (m) => void replies.push(m));
    const send = (id: string, text: string) =>
      socket.timeout(2000).emitWithAck('visitor_message', {
        id,
        text,
        url: 'https://acme.test/',
        sentAt: Date.now(),
      });
    return { ack, replies, send };
  }

  it('answers through the webhook, which never sees the session token', async () => {
    const hook = await webhook({ status: 200, body: { text: 'Hello from elsewhere' } });
    const { ack, replies, send } = await chat(hook.url);
    await send('m1', 'hi');
    await expect.poll(() => replies.map((r) => r.text)).toEqual(['Hello from elsewhere']);
    const [request] = hook.received;
    expect(request?.body.sessionId).toBe(ack.sessionId);
    expect(request?.raw).not.toContain(ack.token);
    expect(JSON.stringify(request?.headers)).not.toContain(ack.token);
  });

  it("sends the session's identity, verified or not, never the hash", async () => {
    const hook = await webhook({ status: 200, body: { text: 'Hi Ada' } });
    const { ack, replies, send } = await chat(hook.url, {
      userId: 'u-42',
      userHash: 'ab'.repeat(32),
    });
    await send('m1', 'hi');
    await expect.poll(() => replies.map((r) => r.text)).toEqual(['Hi Ada']);
    const [request] = hook.received;
    expect(request?.body.sessionId).toBe(ack.sessionId);
    // Site acme has no identity secret: the claim is kept, unverified.
    expect(request?.body.identity).toEqual({ userId: 'u-42', verified: false });
    expect(request?.raw).not.toContain('ab'.repeat(32));
  });

  it('a webhook that keeps failing: the system message, and the chat keeps working', async () => {
    const hook = await webhook(
      { status: 500 },
      { status: 500 },
      { status: 500 },
      {
        status: 200,
        body: { text: 'back again' },
      },
    );
    const { replies, send } = await chat(hook.url);
    await send('m1', 'hi');
    await expect
      // Three attempts, 300 + 900 ms of backoff between them.
      .poll(() => replies.map((r) => [r.author, r.text]), { timeout: 5000 })
      .toEqual([['system', AGENT_FAILED_TEXT]]);
    expect(hook.received).toHaveLength(3);
    expect(await send('m2', 'still there?')).toMatchObject({ ok: true, seq: 3 });
    await expect.poll(() => replies.map((r) => r.text).at(-1)).toBe('back again');
  });
});

import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import { verifyWebhookSignature, type WebhookRequest } from '../src/server/agent/webhook-agent.js';
import { createTestServer, expect, openChat, say, storedRecord, test, widget } from './fixtures.js';

const SECRET = 'e2e-webhook-secret-0123';
const API_KEY = 'e2e-operator-key-0123456';
const FAILED = 'The assistant could not answer. Try again in a moment.';

const typingIndicator = (page: Page) => page.locator('[data-part="typing"]');

/**
 * A webhook agent on a loopback port. Each request is checked (signature) and answered by
 * `answer`, which may hold it as long as it likes.
 */
async function webhook(
  answer: (request: WebhookRequest, res: ServerResponse) => void | Promise<void>,
  port = 0,
) {
  const received: WebhookRequest[] = [];
  const http: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const signature = req.headers['x-leflux-signature'];
      if (!verifyWebhookSignature(raw, signature as string | undefined, SECRET)) {
        res.writeHead(401).end();
        return;
      }
      const request = JSON.parse(raw.toString('utf8')) as WebhookRequest;
      received.push(request);
      void answer(request, res);
    });
  });
  http.listen(port, '127.0.0.1');
  await once(http, 'listening');
  const address = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}/leflux`,
    port: address.port,
    received,
    close() {
      http.closeAllConnections();
      return new Promise<void>((done) => http.close(() => done()));
    },
  };
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

test('an agent of our own answers twice, with the typing indicator between', async ({ page }) => {
  let release: () => void = () => {};
  const released = new Promise<void>((done) => {
    release = done;
  });
  const server = await createTestServer(
    {},
    {
      agent: {
        async reply({ post, typing, history }) {
          await post({ text: `First answer to "${history.at(-1)?.text}"` });
          typing();
          await released;
          return { text: 'Second answer' };
        },
      },
    },
  );
  try {
    const w = await openChat(page, `${server.url}/`);
    await say(page, 'hello agent');
    await expect(w.agentMessages).toHaveText(['First answer to "hello agent"']);
    await expect(typingIndicator(page)).toBeVisible();
    await expect(typingIndicator(page)).toHaveText('Typing…');
    // Announced politely: it appears inside a live region.
    await expect(page.locator('.typing-region')).toHaveAttribute('aria-live', 'polite');
    release();
    await expect(w.agentMessages).toHaveText(['First answer to "hello agent"', 'Second answer']);
    await expect(typingIndicator(page)).toBeHidden();
  } finally {
    await server.close();
  }
});

test('an operator message posted by REST shows in two open tabs within a second, with the name', async ({
  context,
}) => {
  const server = await createTestServer(
    { apiKey: API_KEY },
    { agent: { reply: async () => null } },
  );
  try {
    const a = await context.newPage();
    const b = await context.newPage();
    await openChat(a, `${server.url}/`);
    await say(a, 'Can a human help me?');
    await expect(widget(a).visitorMessages).toHaveCount(1);
    await expect
      .poll(async () => (await storedRecord<{ id: string }>(a, 'leflux:sessionId'))?.id)
      .toBeDefined();
    const session = await storedRecord<{ id: string }>(a, 'leflux:sessionId');
    await b.goto(`${server.url}/pricing.html`);
    await expect(widget(b).visitorMessages).toHaveCount(1);

    const typed = await fetch(`${server.url}/api/session/${session?.id}/typing`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(typed.status).toBe(204);
    await expect(typingIndicator(a)).toBeVisible();
    await expect(typingIndicator(b)).toBeVisible();

    const res = await fetch(`${server.url}/api/session/${session?.id}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Hi, I am Ada from support.', name: 'Ada' }),
    });
    expect(res.status).toBe(201);
    const postedAt = Date.now();
    for (const tab of [a, b]) {
      const message = widget(tab).agentMessages.filter({ hasText: 'Hi, I am Ada from support.' });
      await expect(message).toBeVisible({ timeout: 1_000 - (Date.now() - postedAt) });
      await expect(message.locator('[data-part="author-name"]')).toHaveText('Ada');
      await expect(typingIndicator(tab)).toBeHidden();
    }
    expect(Date.now() - postedAt).toBeLessThan(1_000);
  } finally {
    await server.close();
  }
});

test('a webhook agent on a local port answers', async ({ page }) => {
  const hook = await webhook((request, res) =>
    json(res, { text: `Webhook heard: ${request.message.text}` }),
  );
  const server = await createTestServer({ agentUrl: hook.url, agentSecret: SECRET });
  try {
    const w = await openChat(page, `${server.url}/`);
    await say(page, 'ping');
    await expect(w.agentMessages).toHaveText(['Webhook heard: ping']);
    const session = await storedRecord<{ id: string; token: string }>(page, 'leflux:sessionId');
    expect(hook.received[0]).toMatchObject({ type: 'visitor_message', sessionId: session?.id });
    expect(JSON.stringify(hook.received)).not.toContain(session?.token);
  } finally {
    await server.close();
    await hook.close();
  }
});

test('with the webhook down the visitor gets the system message, and the chat keeps working', async ({
  page,
}) => {
  // A port that nothing listens on (yet).
  const probe = await webhook(() => {});
  const { port } = probe;
  await probe.close();
  const server = await createTestServer({
    agentUrl: `http://127.0.0.1:${port}/leflux`,
    agentSecret: SECRET,
  });
  let hook: Awaited<ReturnType<typeof webhook>> | undefined;
  try {
    const w = await openChat(page, `${server.url}/`);
    await say(page, 'is anyone there?');
    const notice = w.log.locator('[data-author="system"]');
    // Three attempts with 0.3 s and 0.9 s of backoff between them.
    await expect(notice).toHaveText([FAILED], { timeout: 5_000 });
    await expect(w.input).toBeEnabled();

    hook = await webhook((_, res) => json(res, { text: 'Back online.' }), port);
    await say(page, 'and now?');
    await expect(w.agentMessages).toHaveText(['Back online.']);
    await expect(w.visitorMessages).toHaveText(['is anyone there?', 'and now?']);
    await expect(w.log.locator('[data-status="failed"]')).toHaveCount(0);
  } finally {
    await server.close();
    await hook?.close();
  }
});

test('a reload while a webhook answer is pending still gets the answer', async ({ page }) => {
  let answerNow: () => void = () => {};
  const held = new Promise<void>((done) => {
    answerNow = done;
  });
  const hook = await webhook(async (_, res) => {
    await held;
    json(res, { text: 'Worth the wait.' });
  });
  const server = await createTestServer({ agentUrl: hook.url, agentSecret: SECRET });
  try {
    await openChat(page, `${server.url}/`);
    await say(page, 'a slow question');
    await expect.poll(() => hook.received.length).toBe(1);
    // The answer lands while the page is between two documents.
    await page.reload({ waitUntil: 'commit' });
    answerNow();
    const w = widget(page);
    await expect(w.agentMessages).toHaveText(['Worth the wait.']);
    await expect(w.visitorMessages).toHaveText(['a slow question']);
    expect(hook.received).toHaveLength(1);
  } finally {
    await server.close();
    await hook.close();
  }
});

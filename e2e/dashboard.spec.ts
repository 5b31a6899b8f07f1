import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import type { Agent } from '../src/server/agent/agent.js';
import {
  createTestServer,
  expect,
  openChat,
  say,
  storedRecord,
  type TestServer,
  test,
  widget,
} from './fixtures.js';

const ADMIN_KEY = 'e2e-dashboard-admin-key';
const HOUR = 3_600_000;

const SHOTS = join(import.meta.dirname, '..', 'e2e-screenshots');

/**
 * Saves each page's screenshot as e2e-screenshots/dashboard-`name`.png (ignored by git; looked at
 * by whoever changes the dashboard) and attaches it to the test.
 */
async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `dashboard-${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  await test.info().attach(name, { path, contentType: 'image/png' });
}

/** The dashboard in a browser of its own (its own cookies), as an operator finds it. */
function dashboard(page: Page) {
  return {
    keyField: page.getByLabel('Admin key'),
    signInButton: page.getByRole('button', { name: 'Sign in' }),
    rows: page.locator('[data-session-id]'),
    row: (sessionId: string) => page.locator(`[data-session-id="${sessionId}"]`),
    messages: page.locator('[data-message-id]'),
    reply: page.getByRole('textbox', { name: 'Reply' }),
    sendReply: page.getByRole('button', { name: 'Send reply' }),
    takeOver: page.getByRole('button', { name: 'Take over' }),
    handBack: page.getByRole('button', { name: 'Hand back' }),
    yourName: page.getByRole('textbox', { name: 'Your name' }),
  };
}

async function signIn(browser: Browser, server: TestServer, path = '/dashboard/demo') {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}${path}`);
  const d = dashboard(page);
  await d.keyField.fill(ADMIN_KEY);
  await d.signInButton.click();
  await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible();
  return { page, d, close: () => context.close() };
}

/** The session id the visitor's browser holds. */
async function sessionOf(page: Page): Promise<string> {
  await expect
    .poll(async () => (await storedRecord<{ id: string }>(page, 'leflux:sessionId'))?.id)
    .toBeDefined();
  return (await storedRecord<{ id: string }>(page, 'leflux:sessionId'))?.id as string;
}

test.describe('dashboard', () => {
  test.use({ serverConfig: { adminKey: ADMIN_KEY } });

  test('signs in; a conversation the visitor just had appears live in the list', async ({
    browser,
    page,
    server,
  }) => {
    const context = await browser.newContext();
    const signInPage = await context.newPage();
    await signInPage.goto(`${server.url}/dashboard/demo`);
    await expect(dashboard(signInPage).keyField).toBeVisible();
    await shot(signInPage, 'sign-in');
    await context.close();

    const operator = await signIn(browser, server);
    await expect(operator.page.getByText('No conversation in these days.')).toBeVisible();
    const w = await openChat(page, `${server.url}/pricing.html`);
    await say(page, 'Do you ship to Canada?');
    await expect(w.agentMessages).toHaveCount(1);
    const sessionId = await sessionOf(page);
    // Live: the list was open before the conversation began, nobody reloads it.
    const row = operator.d.row(sessionId);
    await expect(row).toBeVisible();
    await expect(row).toContainText('Anonymous');
    await expect(row).toContainText('/pricing.html');
    await expect(row).toContainText('Live');
    await expect(row.locator('td.number')).toHaveText('2');
    await say(page, 'And to Mexico?');
    await expect(row.locator('td.number')).toHaveText('4');
    await shot(operator.page, 'conversations');
    await operator.close();
  });

  test('a wrong key is refused', async ({ page, server }) => {
    await page.goto(`${server.url}/dashboard`);
    const d = dashboard(page);
    await d.keyField.fill('not-the-admin-key-000');
    await d.signInButton.click();
    await expect(page.getByRole('alert')).toHaveText('That key opens no dashboard.');
    await expect(d.keyField).toBeVisible();
    expect((await page.request.get(`${server.url}/dashboard/api/me`)).status()).toBe(401);
    await shot(page, 'wrong-key');
  });

  test('the operator replies and the visitor sees it, with the name, in two tabs; typing shows first', async ({
    browser,
    context,
    server,
  }) => {
    const a = await context.newPage();
    const b = await context.newPage();
    await openChat(a, `${server.url}/`);
    await say(a, 'Can a human help me?');
    await expect(widget(a).agentMessages).toHaveCount(1);
    const sessionId = await sessionOf(a);
    await b.goto(`${server.url}/pricing.html`);
    await expect(widget(b).visitorMessages).toHaveCount(1);

    const operator = await signIn(browser, server);
    await operator.d.row(sessionId).getByRole('link').click();
    await expect(operator.d.messages).toHaveCount(2);
    await expect(operator.d.messages.first()).toHaveAttribute('data-author', 'visitor');
    await operator.d.yourName.fill('Ada');
    await operator.d.reply.fill('Hi, I am Ada from support.');
    for (const tab of [a, b]) await expect(tab.locator('[data-part="typing"]')).toBeVisible();
    await operator.d.sendReply.click();
    for (const tab of [a, b]) {
      const message = widget(tab).agentMessages.filter({ hasText: 'Hi, I am Ada from support.' });
      await expect(message).toBeVisible();
      await expect(message.locator('[data-part="author-name"]')).toHaveText('Ada');
      await expect(tab.locator('[data-part="typing"]')).toBeHidden();
    }
    await expect(operator.d.messages).toHaveCount(3);
    await expect(operator.d.reply).toHaveValue('');
    // The visitor answers: it shows in the open transcript at once.
    await say(a, 'Thanks Ada!');
    await expect(operator.d.messages.filter({ hasText: 'Thanks Ada!' })).toHaveAttribute(
      'data-author',
      'visitor',
    );
    await shot(operator.page, 'conversation');
    await operator.close();
  });

  test('a purge reaches an open tab at once, and makes a widget’s next restore get 404', async ({
    browser,
    page,
    server,
  }) => {
    // One visitor whose tab is open during the purge, one who left the site meanwhile.
    const w = await openChat(page, `${server.url}/`);
    await say(page, 'Please forget me.');
    await expect(w.agentMessages).toHaveCount(1);
    const open = await sessionOf(page);
    const other = await browser.newContext();
    const away = await other.newPage();
    await openChat(away, `${server.url}/`);
    await say(away, 'Forget me too.');
    await expect(widget(away).agentMessages).toHaveCount(1);
    const left = await sessionOf(away);
    await away.goto('about:blank');

    const operator = await signIn(browser, server, `/dashboard/demo/conversations/${open}`);
    const purge = async () => {
      await operator.page.getByRole('button', { name: 'Delete conversation' }).click();
      await operator.page.getByRole('button', { name: 'Delete for good' }).click();
      await expect(operator.page.getByRole('heading', { name: 'Conversations' })).toBeVisible();
    };
    await purge();
    await expect(operator.d.row(open)).toHaveCount(0);
    // The open tab is told at once: what it shows is now an earlier conversation.
    await expect(w.log.locator('[data-earlier="true"]')).toHaveCount(2);

    await operator.d.row(left).getByRole('link').click();
    await purge();
    await expect(operator.d.rows).toHaveCount(0);
    const restore = away.waitForResponse(
      (res) => res.url().endsWith(`/api/session/${left}`) && res.request().method() === 'POST',
    );
    await away.goto(`${server.url}/`);
    expect((await restore).status()).toBe(404);
    await other.close();
    await operator.close();
  });

  test('a change of browser retention is honoured by a new widget', async ({ browser, server }) => {
    const operator = await signIn(browser, server, '/dashboard/demo/privacy');
    const field = operator.page.getByLabel('Browser session (hours)');
    await expect(field).toHaveValue('24');
    await field.fill('1');
    await operator.page.getByLabel('Delete log messages after (days)').fill('30');
    await operator.page.getByRole('button', { name: 'Save' }).click();
    await expect(operator.page.getByRole('status')).toHaveText(/Saved/);
    await shot(operator.page, 'privacy');

    const visitor = await browser.newContext();
    const page = await visitor.newPage();
    const w = await openChat(page, `${server.url}/`);
    await say(page, 'hello');
    await expect(w.agentMessages).toHaveCount(1);
    const lifetime = () =>
      page.evaluate(
        () =>
          JSON.parse(localStorage.getItem('leflux:sessionId') ?? 'null')?.expiresAt - Date.now(),
      );
    await expect.poll(lifetime).toBeLessThanOrEqual(HOUR);
    expect(await lifetime()).toBeGreaterThan(HOUR - 60_000);
    // Saved for good: the form shows it after a reload.
    await operator.page.reload();
    await expect(operator.page.getByLabel('Browser session (hours)')).toHaveValue('1');
    await visitor.close();
    await operator.close();
  });

  test('analytics: conversations and messages per day as a chart, and the CSV of the range', async ({
    browser,
    page,
    server,
  }) => {
    const w = await openChat(page, `${server.url}/`);
    await say(page, '=1+1 is a formula');
    await expect(w.agentMessages).toHaveCount(1);
    const operator = await signIn(browser, server, '/dashboard/demo/analytics');
    await expect(operator.page.locator('[data-total="conversations"]')).toHaveText('1');
    await expect(operator.page.locator('[data-total="messages"]')).toHaveText('2');
    await expect(operator.page.locator('svg rect.bar')).toHaveCount(14);
    const download = operator.page.waitForEvent('download');
    await operator.page.getByRole('link', { name: 'Download CSV' }).click();
    const csv = await (await download).createReadStream();
    const text = await new Response(csv as unknown as ReadableStream).text();
    expect(text.split('\r\n')[0]).toBe(
      '"time","session","seq","author","name","text","page","user","verified"',
    );
    expect(text).toContain(`"'=1+1 is a formula"`);
    await shot(operator.page, 'analytics');
    await operator.close();
  });
});

test('Take over: the agent is silent until Hand back', async ({ browser, page }) => {
  const heard: string[] = [];
  const agent: Agent = {
    async reply({ message }) {
      heard.push(message.text);
      return { text: `Agent: ${message.text}` };
    },
  };
  const server = await createTestServer({ adminKey: ADMIN_KEY }, { agent });
  try {
    const w = await openChat(page, `${server.url}/`);
    await say(page, 'first');
    await expect(w.agentMessages).toHaveText(['Agent: first']);
    const sessionId = await sessionOf(page);
    const operator = await signIn(browser, server, `/dashboard/demo/conversations/${sessionId}`);
    await operator.d.takeOver.click();
    await expect(operator.d.handBack).toBeVisible();
    await expect(operator.page.getByRole('status')).toContainText('the agent stays silent');
    await say(page, 'is anyone human here?');
    // The dashboard hears the message; the agent does not.
    await expect(operator.d.messages.filter({ hasText: 'is anyone human here?' })).toBeVisible();
    await operator.d.yourName.fill('Grace');
    await operator.d.reply.fill('Yes, Grace here.');
    await operator.d.sendReply.click();
    await expect(w.agentMessages.last()).toHaveText(/Yes, Grace here\./);
    await shot(operator.page, 'taken-over');
    await operator.d.handBack.click();
    await expect(operator.d.takeOver).toBeVisible();
    await say(page, 'back to the bot');
    await expect(w.agentMessages.last()).toHaveText('Agent: back to the bot');
    // Messages of a session are answered in order: had the agent answered the message sent while
    // taken over, that answer would have come before this one.
    expect(heard).toEqual(['first', 'back to the bot']);
    await expect(w.messages.locator('.bubble')).toHaveText([
      'first',
      'Agent: first',
      'is anyone human here?',
      /Yes, Grace here\./,
      'back to the bot',
      'Agent: back to the bot',
    ]);
    await operator.close();
  } finally {
    await server.close();
  }
});

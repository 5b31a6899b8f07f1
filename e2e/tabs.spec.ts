import type { BrowserContext, Page } from '@playwright/test';
import type { Agent } from '../src/server/agent/agent.js';
import {
  createTestServer,
  expect,
  say,
  shownTexts,
  storedMessages,
  storedRecord,
  test,
  widget,
} from './fixtures.js';

/** The takeover notice as a visitor reads it. */
const notice = (page: Page) =>
  page.getByRole('status').filter({ hasText: 'another tab took over' });

/** Counts what a page opens towards the socket.io endpoint (a websocket, or polling requests). */
function countSockets(page: Page): { count: number } {
  const seen = { count: 0 };
  page.on('websocket', (ws) => {
    if (ws.url().includes('/socket.io/')) seen.count++;
  });
  page.on('request', (request) => {
    if (request.url().includes('/socket.io/')) seen.count++;
  });
  return seen;
}

/**
 * Records in the page when it turns read-only and back (`performance.now()`), through the
 * headless client, so a test can check how long each read-only period lasted.
 */
async function recordReadOnly(page: Page): Promise<() => Promise<Array<[boolean, number]>>> {
  await page.waitForFunction(() => window.LeFlux?.client !== undefined);
  await page.evaluate(() => {
    const changes: Array<[boolean, number]> = [];
    Object.assign(window, { readOnlyChanges: changes });
    window.LeFlux?.client.subscribe((state, previous) => {
      if (state.readOnly !== previous.readOnly) changes.push([state.readOnly, performance.now()]);
    });
  });
  return () =>
    page.evaluate(
      () => (window as unknown as { readOnlyChanges: Array<[boolean, number]> }).readOnlyChanges,
    );
}

/** The lengths of the read-only periods recorded by `recordReadOnly` (an open one counts to now). */
async function readOnlyPeriods(page: Page, changes: Array<[boolean, number]>): Promise<number[]> {
  const now = await page.evaluate(() => performance.now());
  const periods: number[] = [];
  changes.forEach(([on, at], i) => {
    if (on) periods.push((changes[i + 1]?.[1] ?? now) - at);
  });
  return periods;
}

async function twoTabs(context: BrowserContext, url: string) {
  const a = await context.newPage();
  const b = await context.newPage();
  await a.goto(url);
  await widget(a).launcher.click();
  await say(a, 'hello');
  await expect(widget(a).agentMessages).toHaveCount(1);
  await b.goto(url);
  await expect(widget(b).messages).toHaveCount(2);
  return { a, b };
}

test('a message typed in tab A shows in tab B, and agent replies too', async ({
  context,
  server,
}) => {
  const a = await context.newPage();
  const b = await context.newPage();
  await a.goto(`${server.url}/`);
  await b.goto(`${server.url}/pricing.html`);
  const wa = widget(a);
  const wb = widget(b);
  await wa.launcher.click();
  // Opening mirrors too.
  await expect(wb.dialog).toBeVisible();

  // How fast a message crosses tabs is measured by `npm run bench` (tab A -> tab B).
  for (const text of ['first from A', 'second from A', 'what are your hours?']) {
    await a.evaluate((t) => window.LeFlux?.send(t), text);
    await expect(wb.visitorMessages.filter({ hasText: text })).toHaveCount(1);
  }
  // The agent answered in tab A's socket; tab B shows the same answers.
  await expect(wa.agentMessages).toHaveCount(3);
  await expect(wb.agentMessages).toHaveCount(3);
  expect(await shownTexts(wb.messages)).toEqual(await shownTexts(wa.messages));
});

test('a tab that loads, opens the window or gets focus takes nothing over: it shows what the tab holding the socket receives, with no socket of its own', async ({
  context,
  server,
}) => {
  const a = await context.newPage();
  await a.goto(`${server.url}/`);
  const wa = widget(a);
  await wa.launcher.click();
  await say(a, 'hello');
  await expect(wa.agentMessages).toHaveCount(1);
  await a.evaluate(() => {
    const seen = { count: 0 };
    window.LeFlux?.on('takeover', () => seen.count++);
    Object.assign(window, { takeovers: seen });
  });

  const b = await context.newPage();
  const bSockets = countSockets(b);
  await b.goto(`${server.url}/pricing.html`);
  const wb = widget(b);
  // The window opens there too, with the conversation.
  await expect(wb.dialog).toBeVisible();
  await expect(wb.messages).toHaveCount(2);
  await b.bringToFront();
  await wb.input.focus();

  // Tab A keeps the session: the agent's next answer reaches both tabs through it.
  await a.bringToFront();
  await say(a, 'pricing?');
  await expect(wa.agentMessages).toHaveCount(2);
  await expect(wb.agentMessages).toHaveCount(2);
  expect(await shownTexts(wb.messages)).toEqual(await shownTexts(wa.messages));
  await expect(notice(a)).toHaveCount(0);
  await expect(wa.input).toBeEnabled();
  expect(
    await a.evaluate(() => (window as unknown as { takeovers: { count: number } }).takeovers.count),
  ).toBe(0);
  expect(bSockets.count).toBe(0);
  expect(await b.evaluate(() => window.LeFlux?.getSession())).toMatchObject({
    readOnly: false,
    connected: true,
  });
});

test('sending from another tab takes the session: the first shows the notice, is read-only for at most 3 s and keeps what the visitor was typing', async ({
  context,
  server,
}) => {
  const { a, b } = await twoTabs(context, `${server.url}/`);
  const wa = widget(a);
  const readOnlyChanges = await recordReadOnly(a);
  await wa.input.fill('half a thought');

  await b.evaluate(() => window.LeFlux?.send('from B'));
  await expect(notice(a)).toBeVisible();
  await expect(wa.input).toBeDisabled();
  await expect(wa.sendButton).toBeDisabled();
  await expect(wa.input).toHaveValue('half a thought');
  // The agent answers through tab B's socket now; tab A still shows it.
  await expect(widget(b).agentMessages).toHaveCount(2);
  await expect(wa.agentMessages).toHaveCount(2);

  await expect(notice(a)).toBeHidden();
  await expect(wa.input).toBeEnabled();
  await expect(wa.input).toHaveValue('half a thought');
  const periods = await readOnlyPeriods(a, await readOnlyChanges());
  expect(periods).toHaveLength(1);
  expect(periods[0]).toBeLessThanOrEqual(3_000);

  // Sending from A takes the session back the same way.
  await wa.input.press('Enter');
  await expect(notice(b)).toBeVisible();
  await expect(wa.agentMessages).toHaveCount(3);
  await expect(widget(b).agentMessages).toHaveCount(3);
  expect(await shownTexts(widget(b).messages)).toEqual(await shownTexts(wa.messages));
});

test('when the tab holding the socket closes, another open tab takes it without a notice and the agent’s answers keep arriving', async ({
  context,
}) => {
  let answerNow = () => {};
  const later = new Promise<void>((resolve) => {
    answerNow = resolve;
  });
  // An agent that takes its time over one question, as a human or a slow model would.
  const agent: Agent = {
    async reply({ message }) {
      if (message.text === 'take your time') await later;
      return { text: `re: ${message.text}` };
    },
  };
  const server = await createTestServer({}, { agent });
  try {
    const a = await context.newPage();
    await a.goto(`${server.url}/`);
    await widget(a).launcher.click();
    await say(a, 'hello');
    await expect(widget(a).agentMessages).toHaveText(['re: hello']);
    const b = await context.newPage();
    const bSockets = countSockets(b);
    await b.goto(`${server.url}/pricing.html`);
    const wb = widget(b);
    await expect(wb.messages).toHaveCount(2);
    await say(a, 'take your time');
    await expect(wb.visitorMessages).toHaveCount(2);
    expect(bSockets.count).toBe(0);

    await a.close({ runBeforeUnload: true });
    // B takes the socket on its own (how fast: `npm run bench`, holder handover).
    await expect.poll(() => bSockets.count).toBeGreaterThan(0);
    answerNow();
    await expect(wb.agentMessages).toHaveText(['re: hello', 're: take your time']);
    await expect(notice(b)).toHaveCount(0);
    await expect(wb.input).toBeEnabled();
  } finally {
    await server.close();
  }
});

test('open and close mirror across tabs; a tab opened later shows the whole history at once', async ({
  context,
  server,
}) => {
  const { a, b } = await twoTabs(context, `${server.url}/`);
  await widget(b).closeButton.click();
  await expect(widget(a).dialog).toBeHidden();
  await widget(a).launcher.click();
  await expect(widget(b).dialog).toBeVisible();

  const c = await context.newPage();
  await c.route('**/api/session/*', () => {}); // never answers: C can only render from the cache
  await c.goto(`${server.url}/contact.html`);
  await expect(widget(c).messages).toHaveCount(2);
  expect(await shownTexts(widget(c).messages)).toEqual(await shownTexts(widget(a).messages));
});

test('clear conversation in tab A empties tab B and the stored records', async ({
  context,
  server,
}) => {
  const { a, b } = await twoTabs(context, `${server.url}/`);
  const oldSession = await storedRecord<{ id: string; token: string }>(a, 'leflux:sessionId');
  await a.evaluate(() => window.LeFlux?.clear());
  await expect(widget(b).messages).toHaveCount(0);
  await expect(widget(a).messages).toHaveCount(0);
  expect(await storedRecord(b, 'leflux:sessionId')).toBeNull();
  expect(await storedMessages(b)).toEqual([]);
  // The server dropped it too.
  const restore = await a.request.post(`${server.url}/api/session/${oldSession?.id}`, {
    data: { token: oldSession?.token },
  });
  expect(restore.status()).toBe(404);
  // The next message starts a new session, seen by both tabs.
  await say(b, 'hello again');
  await expect(widget(a).agentMessages).toHaveCount(1);
  // B's write reaches A's copy of localStorage a little after B's BroadcastChannel news.
  await expect
    .poll(async () => (await storedRecord<{ id: string }>(a, 'leflux:sessionId'))?.id)
    .toMatch(/.+/);
  const fresh = await storedRecord<{ id: string }>(a, 'leflux:sessionId');
  expect(fresh?.id).not.toBe(oldSession?.id);
});

test('two tabs each send 20 messages as fast as they can: both tabs and the server hold all 40, once each, in each sender’s order', async ({
  context,
  server,
}) => {
  const { a, b } = await twoTabs(context, `${server.url}/`);
  const readOnlyChanges = [await recordReadOnly(a), await recordReadOnly(b)];
  const burst = (page: Page, prefix: string) =>
    page.evaluate(async (p) => {
      for (let i = 0; i < 20; i++) await window.LeFlux?.send(`${p}${i}`);
    }, prefix);
  const startedAt = Date.now();
  await Promise.all([burst(a, 'A'), burst(b, 'B')]);

  const expectedA = Array.from({ length: 20 }, (_, i) => `A${i}`);
  const expectedB = Array.from({ length: 20 }, (_, i) => `B${i}`);
  const burstTexts = async (page: Page) =>
    (await shownTexts(widget(page).visitorMessages)).filter((t) => /^[AB]\d+$/.test(t));
  for (const page of [a, b]) {
    const w = widget(page);
    // Only the latest rows stay rendered while the log follows new messages: read back from the
    // top, as a visitor scrolling up would, until every message shows delivered.
    await expect
      .poll(
        async () => {
          await w.log.evaluate((log) => {
            log.scrollTop = 0;
          });
          return w.log.locator('[data-author="visitor"][data-status="sent"]').count();
        },
        { timeout: 15_000 },
      )
      .toBe(41);
    const texts = await burstTexts(page);
    expect(texts).toHaveLength(40);
    expect(texts.filter((t) => t.startsWith('A'))).toEqual(expectedA);
    expect(texts.filter((t) => t.startsWith('B'))).toEqual(expectedB);
  }
  // Both tabs show the same order, which is the server's.
  expect(await burstTexts(a)).toEqual(await burstTexts(b));
  const deliveredIn = Date.now() - startedAt;
  // A tab is read-only only after the other took the session: a few seconds (it does not take
  // the session back meanwhile, what it sends goes through the other tab), at most 3 s.
  for (const page of [a, b]) {
    await expect.poll(() => page.evaluate(() => window.LeFlux?.getSession().readOnly)).toBe(false);
  }
  const periods = [
    await readOnlyPeriods(a, await readOnlyChanges[0]!()),
    await readOnlyPeriods(b, await readOnlyChanges[1]!()),
  ];
  for (const period of periods.flat()) {
    expect(period).toBeGreaterThanOrEqual(1_000);
    expect(period).toBeLessThanOrEqual(3_000);
  }
  test.info().annotations.push({
    type: 'timing',
    description: `40 messages delivered in ${deliveredIn} ms; read-only periods (ms): A ${periods[0]!.map(Math.round).join(', ') || 'none'}, B ${periods[1]!.map(Math.round).join(', ') || 'none'}`,
  });

  const record = await storedRecord<{ id: string; token: string }>(a, 'leflux:sessionId');
  const response = await a.request.post(`${server.url}/api/session/${record?.id}`, {
    data: { token: record?.token },
  });
  const { history } = (await response.json()) as {
    history: Array<{ author: string; text: string }>;
  };
  const onServer = history
    .filter((m) => m.author === 'visitor' && /^[AB]\d+$/.test(m.text))
    .map((m) => m.text);
  expect(onServer).toEqual(await burstTexts(a));
});

test('without BroadcastChannel, tabs stay in sync through storage events', async ({
  context,
  server,
}) => {
  await context.addInitScript(() => {
    // @ts-expect-error: simulate a browser without BroadcastChannel.
    delete window.BroadcastChannel;
  });
  const { a, b } = await twoTabs(context, `${server.url}/`);
  expect(await a.evaluate(() => typeof BroadcastChannel)).toBe('undefined');
  // B's message takes the socket; A hears of it and of the agent's reply.
  await say(b, 'via storage events');
  await expect(widget(a).visitorMessages.filter({ hasText: 'via storage events' })).toHaveCount(1);
  await expect(widget(a).agentMessages).toHaveCount(2);
  await widget(a).closeButton.click();
  await expect(widget(b).dialog).toBeHidden();
  await b.evaluate(() => window.LeFlux?.clear());
  await expect(widget(a).messages).toHaveCount(0);
});

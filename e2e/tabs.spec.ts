import type { BrowserContext, Page } from '@playwright/test';
import { expect, say, shownTexts, storedMessages, storedRecord, test, widget } from './fixtures.js';

/** Records, in the page, when each message text first appears in the widget (wall-clock ms, sub-ms precision). */
async function recordArrivals(page: Page) {
  await page.addInitScript(() => {
    const seen: Record<string, number> = {};
    (window as unknown as { arrivals: Record<string, number> }).arrivals = seen;
    const stamp = () => performance.timeOrigin + performance.now();
    const scan = (root: ParentNode) => {
      for (const el of root.querySelectorAll('[data-message-id] .bubble')) {
        const text = el.textContent ?? '';
        seen[text] ??= stamp();
      }
    };
    const watch = () => {
      const host = document.querySelector('leflux-widget');
      if (!host?.shadowRoot) return requestAnimationFrame(watch);
      const root = host.shadowRoot;
      new MutationObserver(() => scan(root)).observe(root, { childList: true, subtree: true });
      scan(root);
    };
    addEventListener('DOMContentLoaded', watch);
  });
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

test('a message typed in tab A shows in tab B within 200 ms, and agent replies too', async ({
  context,
  server,
}) => {
  const a = await context.newPage();
  const b = await context.newPage();
  await recordArrivals(b);
  await a.goto(`${server.url}/`);
  await b.goto(`${server.url}/pricing.html`);
  const wa = widget(a);
  const wb = widget(b);
  await wa.launcher.click();
  // Opening mirrors too.
  await expect(wb.dialog).toBeVisible();

  const latencies: number[] = [];
  for (const text of ['first from A', 'second from A', 'what are your hours?']) {
    const sentAt = await a.evaluate(async (t) => {
      const at = performance.timeOrigin + performance.now();
      await window.LeFlux?.send(t);
      return at;
    }, text);
    await expect(wb.visitorMessages.filter({ hasText: text })).toHaveCount(1);
    const arrivedAt = await b.evaluate(
      (t) => (window as unknown as { arrivals: Record<string, number> }).arrivals[t] ?? Number.NaN,
      text,
    );
    latencies.push(arrivedAt - sentAt);
  }
  for (const ms of latencies) {
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(ms).toBeLessThan(200);
  }
  // The agent answered in tab A's socket; tab B shows the same answers.
  await expect(wa.agentMessages).toHaveCount(3);
  await expect(wb.agentMessages).toHaveCount(3);
  expect(await shownTexts(wb.messages)).toEqual(await shownTexts(wa.messages));
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
  const fresh = await storedRecord<{ id: string }>(a, 'leflux:sessionId');
  expect(fresh?.id).toBeTruthy();
  expect(fresh?.id).not.toBe(oldSession?.id);
});

test('two tabs each send 20 messages as fast as they can: both tabs and the server hold all 40, once each, in each sender’s order', async ({
  context,
  server,
}) => {
  const { a, b } = await twoTabs(context, `${server.url}/`);
  const burst = (page: Page, prefix: string) =>
    page.evaluate(async (p) => {
      for (let i = 0; i < 20; i++) await window.LeFlux?.send(`${p}${i}`);
    }, prefix);
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

test('the taken-over tab shows a notice and a disabled composer, then lets the visitor take the session back', async ({
  context,
  server,
}) => {
  await context.clock.install();
  const a = await context.newPage();
  await a.goto(`${server.url}/`);
  const wa = widget(a);
  await wa.launcher.click();
  await say(a, 'hello');
  await expect(wa.agentMessages).toHaveCount(1);

  const b = await context.newPage();
  await b.goto(`${server.url}/pricing.html`);
  const wb = widget(b);
  const notice = a.getByRole('status').filter({ hasText: 'another tab took over' });
  await expect(notice).toBeVisible();
  await expect(wa.input).toBeDisabled();
  await expect(wa.sendButton).toBeDisabled();
  await expect(wb.input).toBeEnabled();

  // After the hold (5 s), tab A may type again; sending takes the session back.
  await context.clock.fastForward(5_000);
  await expect(notice).toBeHidden();
  await expect(wa.input).toBeEnabled();
  await say(a, 'pricing?');
  await expect(wa.agentMessages).toHaveCount(2);
  await expect(b.getByRole('status').filter({ hasText: 'another tab took over' })).toBeVisible();
  await expect(wb.input).toBeDisabled();
  // Nothing lost or doubled on either side.
  await expect(wb.messages).toHaveCount(4);
  expect(await shownTexts(wb.messages)).toEqual(await shownTexts(wa.messages));
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
  // B opened last and holds the socket; A hears of B's message and of the agent's reply.
  await say(b, 'via storage events');
  await expect(widget(a).visitorMessages.filter({ hasText: 'via storage events' })).toHaveCount(1);
  await expect(widget(a).agentMessages).toHaveCount(2);
  await widget(a).closeButton.click();
  await expect(widget(b).dialog).toBeHidden();
  await b.evaluate(() => window.LeFlux?.clear());
  await expect(widget(a).messages).toHaveCount(0);
});

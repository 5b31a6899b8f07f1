import type { Page } from '@playwright/test';
import { expect, say, shownTexts, storedRecord, test, widget } from './fixtures.js';

/** Opens the chat on `path` and has a short conversation of `count` exchanges. */
async function converse(page: Page, url: string, questions: string[]) {
  await page.goto(url);
  const w = widget(page);
  await w.launcher.click();
  for (const [i, q] of questions.entries()) {
    await say(page, q);
    await expect(w.agentMessages).toHaveCount(i + 1);
  }
  return w;
}

test('after a reload the open window and the whole conversation are on screen before the restore answers', async ({
  page,
  server,
}) => {
  const w = await converse(page, `${server.url}/`, ['hello', 'what are your hours?']);
  const before = await shownTexts(w.messages);
  expect(before).toHaveLength(4);

  // Hold the restore request: whatever shows now comes from IndexedDB and localStorage.
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let restoreRequested = false;
  await page.route('**/api/session/*', async (route) => {
    restoreRequested = true;
    await held;
    await route.continue();
  });
  await page.reload();
  await expect(w.dialog).toBeVisible();
  await expect(w.messages).toHaveCount(4);
  expect(await shownTexts(w.messages)).toEqual(before);
  await expect.poll(() => restoreRequested).toBe(true);

  const restored = page.waitForResponse((r) => r.url().includes('/api/session/'));
  release();
  expect((await restored).status()).toBe(200);
  // Reconciled with the server by message id: nothing doubled, and the chat goes on.
  await say(page, 'pricing?');
  await expect(w.agentMessages).toHaveCount(3);
  expect(await shownTexts(w.messages)).toEqual([
    ...before,
    'pricing?',
    expect.stringContaining('$29'),
  ]);
});

test('a reload with a stored conversation revalidates only widget.js and fetches the chat beside the embed module', async ({
  page,
  server,
}) => {
  const w = await converse(page, `${server.url}/`, ['hello']);
  await page.reload();
  await expect(w.messages).toHaveCount(2);
  const scripts = await page.evaluate(() =>
    (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((e) => e.initiatorType !== 'fetch' && e.name.endsWith('.js'))
      .map((e) => ({
        path: new URL(e.name).pathname,
        start: e.startTime,
        end: e.responseEnd,
        bytes: e.transferSize,
      })),
  );
  const find = (pattern: RegExp) => {
    const found = scripts.find((s) => pattern.test(s.path));
    if (!found) throw new Error(`no ${pattern} in ${JSON.stringify(scripts)}`);
    return found;
  };
  const embed = find(/^\/leflux\/embed-[\w-]+\.js$/);
  const chat = find(/^\/leflux\/create-widget-[\w-]+\.js$/);
  // Hashed names come from the browser's cache without asking the server again.
  expect(embed.bytes).toBe(0);
  expect(chat.bytes).toBe(0);
  // widget.js asked for the chat chunk itself: not after the embed module had arrived and run.
  expect(chat.start).toBeLessThanOrEqual(embed.end);
});

test('a window restored open on a reload leaves the page its focus; opening it by hand focuses the composer', async ({
  page,
  server,
}) => {
  const w = await converse(page, `${server.url}/`, ['hello']);
  await page.reload();
  await expect(w.messages).toHaveCount(2);
  // Give a late focus every chance to happen: the next frames have painted.
  await page.evaluate(
    () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))),
  );
  await expect(w.input).not.toBeFocused();
  expect(await page.evaluate(() => document.activeElement?.localName)).toBe('body');
  await w.dialog.getByRole('button', { name: 'Close chat' }).click();
  await w.launcher.click();
  await expect(w.input).toBeFocused();
});

test('a hard navigation to another page keeps the window open and the conversation', async ({
  page,
  server,
}) => {
  const w = await converse(page, `${server.url}/`, ['hello']);
  const before = await shownTexts(w.messages);
  await page.locator('header.site').getByRole('link', { name: 'Pricing' }).click();
  await page.waitForURL('**/pricing.html');
  await expect(page.getByRole('heading', { name: 'Pricing' })).toBeVisible();
  await expect(w.dialog).toBeVisible();
  await expect(w.messages).toHaveCount(2);
  expect(await shownTexts(w.messages)).toEqual(before);
  await say(page, 'how do I contact you?');
  await expect(w.agentMessages.nth(1)).toContainText('/contact.html');
});

test('SPA route changes keep the widget mounted and the conversation in place', async ({
  page,
  server,
}) => {
  const w = await converse(page, `${server.url}/app/`, ['hello']);
  await page.evaluate(() => {
    (window as unknown as { widgetBefore: Element | null }).widgetBefore =
      document.querySelector('leflux-widget');
  });
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(/\/app\/settings$/);
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await say(page, 'what is this?');
  await expect(w.agentMessages).toHaveCount(2);
  await page.getByRole('link', { name: 'Reports' }).click();
  await expect(page.getByRole('heading', { name: 'Reports' })).toBeVisible();
  // The same element, in a page that never reloaded (the marker variable survived).
  expect(
    await page.evaluate(
      () =>
        (window as unknown as { widgetBefore: Element | null }).widgetBefore ===
        document.querySelector('leflux-widget'),
    ),
  ).toBe(true);
  expect(await page.locator('leflux-widget').count()).toBe(1);
  await expect(w.messages).toHaveCount(4);
});

test('closing the tab and coming back 20 minutes later continues the same session and history', async ({
  context,
  server,
  clock,
}) => {
  const first = await context.newPage();
  const w1 = await converse(first, `${server.url}/`, ['hello', 'pricing?']);
  const texts = await shownTexts(w1.messages);
  const session = await storedRecord<{ id: string }>(first, 'leflux:sessionId');
  await first.close();

  // Under the server's 30 min idle eviction, on the same clock as the browser.
  await clock.advance(20 * 60_000);
  const again = await context.newPage();
  await again.goto(`${server.url}/contact.html`);
  const w2 = widget(again);
  await expect(w2.dialog).toBeVisible();
  await expect(w2.messages).toHaveCount(4);
  expect(await shownTexts(w2.messages)).toEqual(texts);
  await expect(w2.log.locator('[data-earlier="true"]')).toHaveCount(0);
  await expect.poll(() => again.evaluate(() => window.LeFlux?.getSession().connected)).toBe(true);
  expect(await again.evaluate(() => window.LeFlux?.getSession().id)).toBe(session?.id);
  await say(again, 'and the business plan?');
  await expect(w2.agentMessages.nth(2)).toContainText('$99');
});

test('coming back 23 hours later: the server evicted the session long ago, so the conversation shows as an earlier one and the next message starts a new session', async ({
  context,
  server,
  clock,
}) => {
  const first = await context.newPage();
  const w1 = await converse(first, `${server.url}/`, ['hello', 'pricing?']);
  const texts = await shownTexts(w1.messages);
  const session = await storedRecord<{ id: string }>(first, 'leflux:sessionId');
  await first.close();

  await clock.advance(23 * 3_600_000);
  const again = await context.newPage();
  await again.goto(`${server.url}/contact.html`);
  const w2 = widget(again);
  await expect(w2.dialog).toBeVisible();
  await expect(w2.log.getByText('Earlier conversation')).toBeVisible();
  await expect(w2.log.locator('[data-earlier="true"]')).toHaveCount(4);
  expect(await shownTexts(w2.messages)).toEqual(texts);
  await say(again, 'and the business plan?');
  await expect(w2.agentMessages.nth(2)).toContainText('$99');
  await expect(w2.log.locator('[data-message-id]:not([data-earlier])')).toHaveCount(2);
  const fresh = await storedRecord<{ id: string }>(again, 'leflux:sessionId');
  expect(fresh?.id).toBeTruthy();
  expect(fresh?.id).not.toBe(session?.id);
});

test('after a server restart the restore answers 404: cached messages stay as an earlier conversation, a fresh session starts', async ({
  page,
  server,
}) => {
  const w = await converse(page, `${server.url}/`, ['hello']);
  const before = await shownTexts(w.messages);
  const oldSession = await storedRecord<{ id: string }>(page, 'leflux:sessionId');

  await page.goto('about:blank');
  await server.restart();
  const restore = page.waitForResponse((r) => r.url().includes('/api/session/'));
  await page.goto(`${server.url}/`);
  const response = await restore;
  expect(response.status()).toBe(404);
  expect(await response.json()).toMatchObject({ error: { code: 'session_not_found' } });

  await expect(w.dialog).toBeVisible();
  await expect(w.log.getByText('Earlier conversation')).toBeVisible();
  await expect(w.log.locator('[data-earlier="true"]')).toHaveCount(2);
  expect(await shownTexts(w.messages)).toEqual(before);

  await say(page, 'hello again');
  await expect(w.agentMessages).toHaveCount(2);
  await expect(w.log.locator('[data-message-id]:not([data-earlier])')).toHaveCount(2);
  const newSession = await storedRecord<{ id: string }>(page, 'leflux:sessionId');
  expect(newSession?.id).toBeTruthy();
  expect(newSession?.id).not.toBe(oldSession?.id);
});

test('a server restart under an open page: the widget reconnects, keeps what was said and carries on', async ({
  page,
  server,
}) => {
  const w = await converse(page, `${server.url}/`, ['hello']);
  await server.restart();
  await expect(w.log.locator('[data-earlier="true"]')).toHaveCount(2);
  await say(page, 'pricing?');
  await expect(w.agentMessages).toHaveCount(2);
  await expect(w.agentMessages.nth(1)).toContainText('$29');
});

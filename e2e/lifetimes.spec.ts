import type { Page } from '@playwright/test';
import { expect, say, storedMessages, storedRecord, test, widget } from './fixtures.js';

const DAY = 24 * 3_600_000;

async function chat(page: Page, url: string, text = 'hello') {
  await page.goto(url);
  const w = widget(page);
  // Either the window is open already (a stored state) or the launcher waits for a click.
  await expect(w.launcher.or(w.dialog)).toBeVisible();
  if (await w.launcher.isVisible()) await w.launcher.click();
  const before = await w.agentMessages.count();
  await say(page, text);
  await expect(w.agentMessages).toHaveCount(before + 1);
  return w;
}

/** Presses the header like a finger or a mouse would, for `ms` of page time. */
async function longPressHeader(page: Page, ms: number, input: 'mouse' | 'touch') {
  const header = page.locator('[data-part="header"]');
  const box = await header.boundingBox();
  if (!box) throw new Error('header not visible');
  const x = box.x + 60;
  const y = box.y + box.height / 2;
  // The installed clock also flows in real time: paused, the press lasts `ms` however slowly
  // the machine delivers the events (a busy CI machine made a 300 ms press last over 600).
  // A second ahead: pauseAt cannot go back, and the page's clock moves while we ask it.
  await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 1_000);
  if (input === 'mouse') {
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.clock.runFor(ms);
    await page.mouse.up();
  } else {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
    await page.clock.runFor(ms);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  }
  await page.clock.resume();
}

test('24 h after the last write the session is gone: a minute before it is kept, a minute after a visit starts fresh', async ({
  page,
  server,
}) => {
  await page.clock.install();
  const w = await chat(page, `${server.url}/`);
  await page.goto('about:blank');
  await page.clock.fastForward(DAY - 60_000);
  await page.goto(`${server.url}/`);
  await expect(w.messages).toHaveCount(2);

  // That visit wrote the records again; leave for 24 h and 1 min from now.
  await page.goto('about:blank');
  await page.clock.fastForward(DAY + 60_000);
  await page.goto(`${server.url}/`);
  await expect(w.launcher).toBeVisible();
  await expect(w.dialog).toBeHidden();
  expect(await storedRecord(page, 'leflux:sessionId')).toBeNull();
  expect(await storedRecord(page, 'leflux:widget')).toBeNull();
  expect(await storedMessages(page)).toEqual([]);
  await w.launcher.click();
  await expect(w.log.locator('.empty')).toBeVisible();
  await expect(w.messages).toHaveCount(0);
  // And chatting starts a new session.
  await say(page, 'hello');
  await expect(w.agentMessages).toHaveCount(1);
  expect(await storedRecord(page, 'leflux:sessionId')).not.toBeNull();
});

test('contact details are kept 30 days: still there after 29, gone after 31', async ({
  page,
  server,
}) => {
  await page.clock.install();
  await chat(page, `${server.url}/`);
  await page.evaluate(() =>
    window.LeFlux?.identify({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      phone: '+44 20 7946 0000',
    }),
  );
  expect(await storedRecord(page, 'leflux:user')).toMatchObject({
    name: 'Ada Lovelace',
    email: 'ada@example.com',
  });

  await page.clock.fastForward(29 * DAY);
  await page.reload();
  // The session has expired by now: the chat UI loads on the first sign of interest.
  await widget(page).launcher.hover();
  await expect
    .poll(() => page.evaluate(() => window.LeFlux?.client?.getState().user))
    .toEqual({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      phone: '+44 20 7946 0000',
    });

  await page.clock.fastForward(2 * DAY);
  await page.reload();
  await widget(page).launcher.hover();
  await expect.poll(() => page.evaluate(() => window.LeFlux?.client?.getState().user)).toEqual({});
  expect(await page.evaluate(() => localStorage.getItem('leflux:user'))).toBeNull();
});

test('identify() refuses invalid details with a clear error and keeps what was stored', async ({
  page,
  server,
}) => {
  await chat(page, `${server.url}/`);
  await page.evaluate(() => window.LeFlux?.identify({ email: 'ada@example.com' }));
  const error = await page.evaluate(() =>
    window.LeFlux?.identify({ email: 'not an email', phone: '12' }).then(
      () => null,
      (e: { code: string; message: string }) => ({ code: e.code, message: e.message }),
    ),
  );
  expect(error?.code).toBe('invalid_contact');
  expect(error?.message).toContain('email');
  expect(error?.message).toContain('phone');
  expect(await storedRecord(page, 'leflux:user')).toMatchObject({ email: 'ada@example.com' });
});

for (const input of ['mouse', 'touch'] as const) {
  test.describe(`long-press with ${input}`, () => {
    test.use({ hasTouch: input === 'touch' });

    test(`a ${input} long-press on the header opens the menu; Clear conversation empties both tabs`, async ({
      context,
      server,
    }) => {
      await context.clock.install();
      const a = await context.newPage();
      await chat(a, `${server.url}/`);
      const b = await context.newPage();
      await b.goto(`${server.url}/pricing.html`);
      await expect(widget(b).messages).toHaveCount(2);
      await a.bringToFront();

      const clearButton = a.getByRole('button', { name: 'Clear conversation' });
      // A short press is just a press.
      await longPressHeader(a, 300, input);
      await expect(clearButton).toBeHidden();
      await longPressHeader(a, 650, input);
      await expect(clearButton).toBeVisible();
      await clearButton.click();

      await expect(widget(a).messages).toHaveCount(0);
      await expect(widget(b).messages).toHaveCount(0);
      expect(await storedRecord(b, 'leflux:sessionId')).toBeNull();
      expect(await storedMessages(b)).toEqual([]);
    });
  });
}

test('the same menu is reachable by keyboard', async ({ page, server }) => {
  const w = await chat(page, `${server.url}/`);
  await page.evaluate(() => window.LeFlux?.identify({ name: 'Ada' }));
  const options = w.dialog.getByRole('button', { name: 'Conversation options' });
  await options.focus();
  await page.keyboard.press('Enter');
  await expect(options).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByRole('button', { name: 'Clear conversation' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('button', { name: 'Clear conversation' })).toBeHidden();
  await expect(options).toBeFocused();

  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Clear conversation' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Clear and forget my details' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(w.messages).toHaveCount(0);
  expect(await storedRecord(page, 'leflux:sessionId')).toBeNull();
  expect(await storedRecord(page, 'leflux:user')).toBeNull();
});

test('Clear conversation keeps contact details; the next message starts a new session', async ({
  page,
  server,
}) => {
  const w = await chat(page, `${server.url}/`);
  await page.evaluate(() => window.LeFlux?.identify({ name: 'Ada' }));
  const before = await storedRecord<{ id: string }>(page, 'leflux:sessionId');
  await w.dialog.getByRole('button', { name: 'Conversation options' }).click();
  await page.getByRole('button', { name: 'Clear conversation' }).click();
  await expect(w.messages).toHaveCount(0);
  expect(await storedRecord(page, 'leflux:user')).toMatchObject({ name: 'Ada' });
  await say(page, 'hello again');
  await expect(w.agentMessages).toHaveCount(1);
  const after = await storedRecord<{ id: string }>(page, 'leflux:sessionId');
  expect(after?.id).toBeTruthy();
  expect(after?.id).not.toBe(before?.id);
});

test('an anonymous visitor-id cookie is written for a year, and never with data-no-visitor-id', async ({
  browser,
  server,
}) => {
  const withId = await browser.newContext();
  const page = await withId.newPage();
  await chat(page, `${server.url}/`);
  const [cookie] = (await withId.cookies()).filter((c) => c.name === 'leflux:visitorId');
  expect(cookie?.value).toMatch(/^[\w-]{21}$/);
  const yearFromNow = Date.now() / 1000 + 365 * 24 * 3600;
  expect(Math.abs((cookie?.expires ?? 0) - yearFromNow)).toBeLessThan(3600);
  await withId.close();

  const without = await browser.newContext();
  const other = await without.newPage();
  await other.route(`${server.url}/private.html`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: '<!doctype html><html lang="en"><body><h1>Private</h1><script src="/widget.js" data-no-visitor-id async></script></body></html>',
    }),
  );
  // What the widget sends to the server, over a websocket or (where routing interferes) polling.
  const sessionInits: string[] = [];
  const capture = (payload: string) => {
    if (payload.includes('session_init')) sessionInits.push(payload);
  };
  other.on('websocket', (ws) => ws.on('framesent', (frame) => capture(String(frame.payload))));
  other.on('request', (request) => capture(request.postData() ?? ''));
  await other.goto(`${server.url}/private.html`);
  const w = widget(other, 'Chat');
  await w.launcher.click();
  await say(other, 'hello', 'Chat');
  await expect(w.agentMessages).toHaveCount(1);
  expect(await without.cookies()).toEqual([]);
  expect(sessionInits.length).toBeGreaterThan(0);
  for (const frame of sessionInits) expect(frame).not.toContain('visitorId');
  await without.close();
});

test('activity() sums visible time across reloads, knows the last action and a returning visitor', async ({
  page,
  server,
}) => {
  await page.clock.install();
  await chat(page, `${server.url}/`);
  const lastSend = await page.evaluate(() => Date.now());
  await page.clock.fastForward(10_000);
  await page.reload();
  await expect(widget(page).messages).toHaveCount(2);
  await page.clock.fastForward(5_000);
  const activity = await page.evaluate(() => window.LeFlux?.activity());
  expect(activity?.activeTime).toBeGreaterThanOrEqual(15_000);
  expect(activity?.activeTime).toBeLessThan(25_000);
  expect(Math.abs((activity?.lastActive ?? 0) - lastSend)).toBeLessThan(2_000);
  expect(activity?.isReturningUser).toBe(false);

  // A later conversation in the same browser: a returning visitor.
  await page.evaluate(() => window.LeFlux?.clear());
  await page.clock.fastForward(60_000);
  await say(page, 'back again');
  await expect(widget(page).agentMessages).toHaveCount(1);
  expect(await page.evaluate(() => window.LeFlux?.activity().isReturningUser)).toBe(true);
});

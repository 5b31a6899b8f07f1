import { expect, say, shownTexts, storedMessages, storedRecord, test, widget } from './fixtures.js';

test('a visitor opens the chat, sends a message and gets an answer', async ({ page, server }) => {
  await page.goto(`${server.url}/`);
  const w = widget(page);
  await expect(w.dialog).toBeHidden();
  await w.launcher.click();
  await expect(w.dialog).toBeVisible();
  await expect(w.input).toBeFocused();

  // How fast it shows and is answered is measured by `npm run bench` (send -> on screen).
  await say(page, 'Hello there');
  await expect(w.visitorMessages).toHaveText(['Hello there']);
  await expect(w.input).toHaveValue('');
  await expect(w.agentMessages).toHaveCount(1);
  await expect(w.agentMessages.first()).toContainText('LeFlux demo assistant');

  // The Send button works too, and the agent answers questions about the site.
  await w.input.fill('What does the pro plan cost?');
  await w.sendButton.click();
  await expect(w.agentMessages.nth(1)).toContainText('$29');
  expect(await shownTexts(w.messages)).toHaveLength(4);

  // What the browser keeps: the session record and the four messages, delivered.
  const session = await storedRecord<{ id: string; token: string }>(page, 'leflux:sessionId');
  expect(session?.id).toMatch(/^[\w-]{10,}$/);
  await expect
    .poll(async () => (await storedMessages(page)).map((m) => m.status))
    .toEqual(['sent', 'sent', 'sent', 'sent']);
  expect(await page.evaluate(() => window.LeFlux?.getSession())).toEqual({
    id: session?.id,
    readOnly: false,
    connected: true,
  });
});

test('the close button closes the window and the launcher opens it again', async ({
  page,
  server,
}) => {
  await page.goto(`${server.url}/`);
  const w = widget(page);
  await w.launcher.click();
  await w.closeButton.click();
  await expect(w.dialog).toBeHidden();
  await expect(w.launcher).toBeVisible();
  expect(await storedRecord(page, 'leflux:widget')).toEqual({ open: false });
  await page.evaluate(() => window.LeFlux?.open());
  await expect(w.dialog).toBeVisible();
});

test('send() refuses an empty or over-long message: it rejects with invalid_message, emits the error and stores nothing', async ({
  page,
  server,
}) => {
  await page.goto(`${server.url}/`);
  const outcome = await page.evaluate(async () => {
    const events: string[] = [];
    window.LeFlux?.on('error', (error) => events.push(error.code));
    const codes: string[] = [];
    for (const text of ['   ', 'x'.repeat(4_001)]) {
      await window.LeFlux?.send(text).then(
        () => codes.push('resolved'),
        (error: { code: string }) => codes.push(error.code),
      );
    }
    return { codes, events };
  });
  expect(outcome).toEqual({
    codes: ['invalid_message', 'invalid_message'],
    events: ['invalid_message', 'invalid_message'],
  });
  await expect(widget(page).launcher).toBeVisible();
  expect(await page.evaluate(() => indexedDB.databases())).toEqual([]);
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
});

test('a page view with no interaction stores nothing: no cookie, no localStorage, no IndexedDB database', async ({
  page,
  server,
}) => {
  await page.goto(`${server.url}/`);
  // The chat module loads on the first sign of interest (or when the page is idle).
  await widget(page).launcher.hover();
  await page.waitForFunction(() => window.LeFlux?.client !== undefined);
  await page.evaluate(() => window.LeFlux?.client.ready());
  await page.goto(`${server.url}/pricing.html`);
  await page.waitForFunction(() => window.LeFlux?.client !== undefined);
  await page.evaluate(() => window.LeFlux?.client.ready());
  expect(await page.evaluate(() => indexedDB.databases())).toEqual([]);
  expect(await page.evaluate(() => localStorage.length)).toBe(0);
  expect(await page.context().cookies()).toEqual([]);
});

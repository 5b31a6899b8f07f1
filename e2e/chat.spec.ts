import { expect, say, shownTexts, storedMessages, storedRecord, test, widget } from './fixtures.js';

test('a visitor opens the chat, sends a message and gets an answer within a second', async ({
  page,
  server,
}) => {
  await page.goto(`${server.url}/`);
  const w = widget(page);
  await expect(w.dialog).toBeHidden();
  await w.launcher.click();
  await expect(w.dialog).toBeVisible();
  await expect(w.input).toBeFocused();

  const sentAt = Date.now();
  await say(page, 'Hello there');
  // Shown at once, before any answer from the server.
  await expect(w.visitorMessages).toHaveText(['Hello there'], { timeout: 300 });
  await expect(w.input).toHaveValue('');
  await expect(w.agentMessages).toHaveCount(1, { timeout: 1_000 });
  const answeredIn = Date.now() - sentAt;
  expect(answeredIn).toBeLessThan(1_000);
  await expect(w.agentMessages.first()).toContainText('LeFlux demo assistant');

  // The Send button works too, and the agent answers questions about the site.
  await w.input.fill('What does the pro plan cost?');
  await w.sendButton.click();
  await expect(w.agentMessages.nth(1)).toContainText('$29', { timeout: 1_000 });
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

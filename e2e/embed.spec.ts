import type { Page } from '@playwright/test';
import { expect, say, shownTexts, storedRecord, test, widget } from './fixtures.js';

/** Serves a page at `path` on the LeFlux server's origin that embeds the widget with `attrs`. */
async function embedPage(page: Page, serverUrl: string, path: string, attrs: string, lang = 'en') {
  await page.route(`${serverUrl}${path}`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="${lang}"><head><title>Embed test</title></head><body><h1>Embed test</h1><script src="/widget.js" ${attrs} async></script></body></html>`,
    }),
  );
}

function collectWarnings(page: Page): string[] {
  const warnings: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' && m.text().includes('[leflux]')) warnings.push(m.text());
  });
  return warnings;
}

test('data-attributes set site key, open state, position, theme, title and language', async ({
  page,
  server,
}) => {
  const warnings = collectWarnings(page);
  await embedPage(
    page,
    server.url,
    '/embed.html',
    'data-site-key="acme" data-open="true" data-position="left" data-theme="dark" data-title="Support" data-lang="fr"',
  );
  await page.goto(`${server.url}/embed.html`);
  const dialog = page.getByRole('dialog', { name: 'Support' });
  // data-open: open on first load, without a click.
  await expect(dialog).toBeVisible();
  // data-lang="fr": the UI strings are French.
  await expect(dialog.getByRole('button', { name: 'Fermer le chat' })).toBeVisible();
  await expect(dialog.getByRole('textbox', { name: 'Message' })).toHaveAttribute(
    'placeholder',
    'Écrivez un message…',
  );
  // data-position="left": docked on the left edge.
  const box = await dialog.boundingBox();
  expect(box?.x).toBeLessThan(40);
  // data-theme="dark": dark surfaces.
  expect(await dialog.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(
    'rgb(27, 29, 36)',
  );

  await dialog.getByRole('textbox', { name: 'Message' }).fill('hello');
  await dialog.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect(dialog.locator('[data-author="agent"]')).toHaveCount(1);
  // data-site-key scopes the stored session.
  expect(await storedRecord(page, 'leflux:sessionId')).toMatchObject({ siteKey: 'acme' });

  // A stored closed state wins over data-open on the next page.
  await dialog.getByRole('button', { name: 'Fermer le chat' }).click();
  await page.reload();
  await expect(page.getByRole('button', { name: 'Ouvrir le chat' })).toBeVisible();
  await expect(dialog).toBeHidden();
  expect(warnings).toEqual([]);
});

test('invalid data-attributes give one warning each, naming the value used instead, and the widget still works', async ({
  page,
  server,
}) => {
  const warnings = collectWarnings(page);
  await embedPage(
    page,
    server.url,
    '/invalid.html',
    'data-site-key="Bad Key!" data-open="maybe" data-position="middle" data-theme="neon" data-title="" data-lang="tlh"',
  );
  await page.goto(`${server.url}/invalid.html`);
  const w = widget(page, 'Chat');
  await expect(w.launcher).toBeVisible();
  expect(warnings).toHaveLength(6);
  for (const [name, used] of [
    ['site-key', '"default"'],
    ['open', 'false'],
    ['position', '"right"'],
    ['theme', '"auto"'],
    ['title', '"Chat"'],
    ['lang', '"en"'],
  ]) {
    expect(
      warnings.filter((m) => m.includes(`data-${name}=`) && m.includes(`using ${used}`)),
    ).toHaveLength(1);
  }
  // Defaults in force: docked right, English, closed, and chatting works.
  const box = await w.launcher.boundingBox();
  expect(box!.x).toBeGreaterThan(page.viewportSize()!.width / 2);
  await w.launcher.click();
  await say(page, 'hello', 'Chat');
  await expect(w.agentMessages).toHaveCount(1);
  expect(await storedRecord(page, 'leflux:sessionId')).toMatchObject({ siteKey: 'default' });
});

test('a page on another origin embeds the widget with data-server and works the same', async ({
  page,
  server,
  otherOrigin,
}) => {
  otherOrigin.page(
    '/',
    `<!doctype html><html lang="en"><head><title>Other shop</title></head><body><h1>Other shop</h1>
     <script src="${server.url}/widget.js" data-server="${server.url}" data-site-key="shop" data-title="Shop chat" async></script></body></html>`,
  );
  const errors: string[] = [];
  page.on('console', (m) => {
    // The other origin is a bare test server with no favicon; that 404 is not ours.
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) errors.push(m.text());
  });
  await page.goto(`${otherOrigin.url}/`);
  const w = widget(page, 'Shop chat');
  await w.launcher.click();
  await say(page, 'hello', 'Shop chat');
  await expect(w.agentMessages).toHaveCount(1);

  const restore = page.waitForResponse((r) => r.url().startsWith(`${server.url}/api/session/`));
  await page.reload();
  const response = await restore;
  expect(response.status()).toBe(200);
  expect(response.headers()['access-control-allow-origin']).toBe(otherOrigin.url);
  await expect(w.messages).toHaveCount(2);
  await say(page, 'pricing?', 'Shop chat');
  await expect(w.agentMessages.nth(1)).toContainText('$29');
  expect(await shownTexts(w.messages)).toHaveLength(4);
  expect(errors).toEqual([]);
});

import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, storedRecord, test, widget } from './fixtures.js';

/** The README's one-line stub, read from the README: the tests use what sites copy. */
const STUB = (() => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const line = /^<script>(window\.LeFlux=window\.LeFlux\|\|.*)<\/script>$/m.exec(readme)?.[1];
  if (!line) throw new Error('README.md has no one-line stub for window.LeFlux');
  return line;
})();

/** Serves `body` as a page on the LeFlux server's own origin (so `/widget.js` is ours). */
async function servePage(page: Page, url: string, body: string) {
  await page.route(url, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="en"><head><title>Embed API</title></head><body><h1>Shop</h1>${body}</body></html>`,
    }),
  );
}

function leFluxWarnings(page: Page): string[] {
  const warnings: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' && m.text().includes('[leflux]')) warnings.push(m.text());
  });
  return warnings;
}

test('window.LeFluxSettings sets the widget up, the attributes win, and each bad value warns once', async ({
  page,
  server,
}) => {
  const warnings = leFluxWarnings(page);
  await servePage(
    page,
    `${server.url}/settings.html`,
    `<script>window.LeFluxSettings = {
       siteKey: 'acme', title: 'From settings', theme: 'dark', position: 'left', lang: 'fr',
       open: 'maybe', colour: 'red',
       strings: { send: 'Go', openChat: 'Talk to us', sendd: 'typo' }
     };</script>
     <script src="/widget.js" data-title="From the tag" async></script>`,
  );
  await page.goto(`${server.url}/settings.html`);

  // The site's own launcher name, docked on the left (settings), closed (open was invalid).
  const launcher = page.getByRole('button', { name: 'Talk to us' });
  await expect(launcher).toBeVisible();
  expect((await launcher.boundingBox())!.x).toBeLessThan(100);
  await launcher.click();
  // The attribute's title wins over the settings'; French from the settings, but the site's
  // "Send"; dark from the settings.
  const dialog = page.getByRole('dialog', { name: 'From the tag' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Fermer le chat' })).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Go' })).toBeVisible();
  expect(await dialog.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(
    'rgb(27, 29, 36)',
  );
  await dialog.getByRole('textbox', { name: 'Message' }).fill('hello');
  await dialog.getByRole('button', { name: 'Go' }).click();
  await expect(dialog.locator('[data-author="agent"]')).toHaveCount(1);
  expect(await storedRecord(page, 'leflux:sessionId')).toMatchObject({ siteKey: 'acme' });

  expect(warnings.sort()).toEqual([
    '[leflux] LeFluxSettings.colour="red" is invalid (no such setting); ignored.',
    '[leflux] LeFluxSettings.open="maybe" is invalid (expected true or false); using false instead.',
    '[leflux] LeFluxSettings.strings.sendd="typo" is invalid (no such setting); ignored.',
  ]);
});

test('calls queued on the one-line stub before widget.js arrives run in order, then leflux:ready fires', async ({
  page,
  server,
}) => {
  const warnings = leFluxWarnings(page);
  // widget.js is held back until the page has queued its calls, as a slow network would.
  let releaseScript: () => void = () => {};
  const scriptHeld = new Promise<void>((done) => {
    releaseScript = done;
  });
  await page.route(`${server.url}/widget.js`, async (route) => {
    await scriptHeld;
    await route.continue();
  });
  await servePage(
    page,
    `${server.url}/stub.html`,
    `<script>${STUB}
       window.seen = [];
       window.readyCount = 0;
       window.addEventListener('leflux:ready', () => {
         window.readyCount++;
         window.sessionAtReady = LeFlux.getSession();
       });
       LeFlux('on', 'message', (m) => seen.push(m.author + ': ' + m.text));
       const off = LeFlux('on', 'open', () => seen.push('unsubscribed open handler ran'));
       window.stubOffIsFunction = typeof off === 'function';
       off();
       LeFlux('on', 'open', () => seen.push('opened'));
       LeFlux('update', { title: 'Queued title' });
       LeFlux('open');
       LeFlux('send', 'first');
       LeFlux('send', 'second');
     </script>
     <script src="/widget.js" async></script>`,
  );
  // The async script is held: the page is parsed without it.
  await page.goto(`${server.url}/stub.html`, { waitUntil: 'domcontentloaded' });
  // Nothing of ours has run yet: the stub only queued.
  expect(await page.evaluate(() => (window as unknown as { seen: string[] }).seen)).toEqual([]);
  releaseScript();

  const w = widget(page, 'Queued title');
  await expect(w.dialog).toBeVisible();
  await expect(w.visitorMessages).toHaveText(['first', 'second']);
  await expect(w.agentMessages).toHaveCount(2);
  const state = await page.evaluate(() => {
    const win = window as unknown as {
      seen: string[];
      readyCount: number;
      sessionAtReady: unknown;
      stubOffIsFunction: boolean;
    };
    return {
      seen: win.seen,
      ready: win.readyCount,
      session: win.sessionAtReady,
      off: win.stubOffIsFunction,
    };
  });
  expect(state.off).toBe(true);
  expect(state.ready).toBe(1);
  // The queue had run when leflux:ready fired: the API is the live one.
  expect(state.session).toMatchObject({ readOnly: false });
  expect(state.seen[0]).toBe('opened');
  expect(state.seen.filter((s) => s.startsWith('visitor:'))).toEqual([
    'visitor: first',
    'visitor: second',
  ]);
  expect(state.seen).not.toContain('unsubscribed open handler ran');
  // The call form keeps working once the widget is live, and answers like the method.
  expect(
    await page.evaluate(() =>
      (window.LeFlux as unknown as (name: string) => { connected: boolean })('getSession'),
    ),
  ).toMatchObject({ connected: true });
  expect(warnings).toEqual([]);
});

test('on() returns an unsubscribe function before the embed module, before the chat UI and once live', async ({
  page,
  server,
}) => {
  // A classic (not async) widget.js tag: the inline script after it meets the placeholder API.
  await servePage(
    page,
    `${server.url}/phases.html`,
    `<script src="/widget.js"></script>
     <script>
       window.calls = [];
       const early = LeFlux.on('open', () => calls.push('early, unsubscribed'));
       window.earlyIsFunction = typeof early === 'function';
       early();
       LeFlux.on('open', () => calls.push('early, kept'));
     </script>`,
  );
  await page.goto(`${server.url}/phases.html`);
  const w = widget(page, 'Chat');
  await expect(w.launcher).toBeVisible();
  // The embed module runs (the launcher is up), the chat UI is not needed yet by listeners.
  const beforeChat = await page.evaluate(() => {
    const off = window.LeFlux!.on('close', () =>
      (window as unknown as { calls: string[] }).calls.push('launcher phase, unsubscribed'),
    );
    const isFunction = typeof off === 'function';
    off();
    return isFunction;
  });
  expect(beforeChat).toBe(true);
  await w.launcher.click();
  await expect(w.dialog).toBeVisible();
  await w.closeButton.click();
  await expect(w.dialog).toBeHidden();

  const live = await page.evaluate(() => {
    const calls = (window as unknown as { calls: string[] }).calls;
    const off = window.LeFlux!.on('open', () => calls.push('live, unsubscribed'));
    const isFunction = typeof off === 'function';
    off();
    window.LeFlux!.open();
    return isFunction;
  });
  expect(live).toBe(true);
  await expect(w.dialog).toBeVisible();
  expect(
    await page.evaluate(() => ({
      calls: (window as unknown as { calls: string[] }).calls,
      early: (window as unknown as { earlyIsFunction: boolean }).earlyIsFunction,
    })),
  ).toEqual({ calls: ['early, kept', 'early, kept'], early: true });
});

test('update() changes title, theme, language and position at run time; hide() and show() the launcher', async ({
  page,
  server,
}) => {
  const warnings = leFluxWarnings(page);
  await servePage(
    page,
    `${server.url}/update.html`,
    `<script>${STUB} LeFlux('hide');</script><script src="/widget.js" data-title="Help" async></script>`,
  );
  await page.goto(`${server.url}/update.html`);
  // Hidden from the start: hide() was queued before widget.js came.
  await expect(page.locator('leflux-widget')).toHaveAttribute('data-launcher-hidden', '');
  const launcher = page.getByRole('button', { name: 'Open chat' });
  await expect(launcher).toBeHidden();
  // The site opens the chat its own way; closing it leaves the launcher hidden.
  await page.evaluate(() => window.LeFlux!.open());
  const w = widget(page, 'Help');
  await expect(w.dialog).toBeVisible();
  await w.closeButton.click();
  await expect(w.dialog).toBeHidden();
  await expect(launcher).toBeHidden();
  await page.evaluate(() => window.LeFlux!.show());
  await expect(launcher).toBeVisible();
  expect((await launcher.boundingBox())!.x).toBeGreaterThan(page.viewportSize()!.width / 2);

  await page.evaluate(() =>
    window.LeFlux!.update({ title: 'Hilfe', theme: 'dark', lang: 'de', position: 'left' }),
  );
  const german = page.getByRole('button', { name: 'Chat öffnen' });
  await expect(german).toBeVisible();
  expect((await german.boundingBox())!.x).toBeLessThan(100);
  await german.click();
  const dialog = page.getByRole('dialog', { name: 'Hilfe' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Senden' })).toBeVisible();
  expect(await dialog.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(
    'rgb(27, 29, 36)',
  );

  // An invalid value warns once and changes nothing; the valid ones in the same call apply.
  await page.evaluate(() =>
    window.LeFlux!.update({ theme: 'neon' as 'dark', title: 'Hilfe & Kontakt' }),
  );
  await expect(page.getByRole('dialog', { name: 'Hilfe & Kontakt' })).toBeVisible();
  expect(await dialog.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(
    'rgb(27, 29, 36)',
  );
  expect(warnings).toEqual([
    '[leflux] update() theme="neon" is invalid (expected light, dark, auto); using "dark" instead.',
  ]);
});

test('a window.LeFlux that is not the stub is left alone, with one warning', async ({
  page,
  server,
}) => {
  const warnings = leFluxWarnings(page);
  await servePage(
    page,
    `${server.url}/taken.html`,
    `<script>window.LeFlux = { mine: true };</script><script src="/widget.js" async></script>`,
  );
  await page.goto(`${server.url}/taken.html`);
  await expect.poll(() => warnings).toHaveLength(1);
  expect(warnings[0]).toContain('window.LeFlux is already set');
  expect(await page.evaluate(() => window.LeFlux)).toEqual({ mine: true });
  await expect(page.locator('leflux-widget')).toHaveCount(0);
});

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page, TestInfo } from '@playwright/test';
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

/*
 * What a visitor sees of issue 14: the unread count, the typing indicator, links, the keyboard
 * path and axe, phones, right to left, the site's accent and strings, a strict CSP with Trusted
 * Types, and the long-polling fallback. Screenshots go to e2e-screenshots/ (ignored by git) and
 * to each test's attachments.
 */

const API_KEY = 'e2e-operator-key-0123456';
const SHOTS = join(import.meta.dirname, '..', 'e2e-screenshots');

/** Saves a screenshot of the page as `name`.png, beside the others, and attaches it to the test. */
async function shot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled' });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** A server whose agent never answers by itself: the test speaks as an operator, by REST. */
async function operatorServer() {
  return createTestServer({ apiKey: API_KEY }, { agent: { reply: async () => null } });
}

async function sessionId(page: Page): Promise<string> {
  await expect
    .poll(async () => (await storedRecord<{ id: string }>(page, 'leflux:sessionId'))?.id)
    .toBeDefined();
  return (await storedRecord<{ id: string }>(page, 'leflux:sessionId'))!.id;
}

async function operator(
  server: TestServer,
  id: string,
  route: 'messages' | 'typing',
  body?: object,
) {
  const res = await fetch(`${server.url}/api/session/${id}/${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  expect(res.status).toBeLessThan(300);
}

const unread = (page: Page) => page.locator('[data-part="unread"]');

test('replies to a closed window count on the launcher in every tab, survive a reload, and go when any tab opens', async ({
  context,
}, testInfo) => {
  const server = await operatorServer();
  try {
    const a = await context.newPage();
    const w = await openChat(a, `${server.url}/`);
    await say(a, 'Anyone there?');
    await expect(w.visitorMessages).toHaveCount(1);
    const id = await sessionId(a);
    await w.closeButton.click();
    await expect(w.launcher).toBeVisible();
    const b = await context.newPage();
    await b.goto(`${server.url}/pricing.html`);
    await expect(widget(b).launcher).toBeVisible();
    const counts = a.evaluate(
      () =>
        new Promise<number[]>((resolve) => {
          const seen: number[] = [];
          window.LeFlux?.on('unread', (n) => {
            seen.push(n);
            if (n === 2) resolve(seen);
          });
        }),
    );
    await expect(unread(a)).toHaveCount(0);

    await operator(server, id, 'messages', { text: 'Hello, this is Sam.', name: 'Sam' });
    await operator(server, id, 'messages', { text: 'How can I help?', name: 'Sam' });
    await expect(unread(a)).toHaveText('2');
    await expect(unread(b)).toHaveText('2');
    expect(await counts).toEqual([1, 2]);
    // Said to screen readers as the launcher's description; its name stays "Open chat".
    await expect(widget(a).launcher).toHaveAccessibleDescription('New replies: 2');
    await shot(a, testInfo, 'closed-with-badge');

    await a.reload();
    await expect(unread(a)).toHaveText('2');
    // Opening the window in the other tab clears the count everywhere.
    await widget(b).launcher.click();
    await expect(unread(b)).toHaveCount(0);
    await expect(unread(a)).toHaveCount(0);
    await a.reload();
    await expect(widget(a).dialog).toBeVisible();
    await expect(unread(a)).toHaveCount(0);
  } finally {
    await server.close();
  }
});

test('the typing indicator is polite, goes with the next message, and after 30 s on its own', async ({
  page,
}, testInfo) => {
  const server = await operatorServer();
  try {
    await page.clock.install();
    const w = await openChat(page, `${server.url}/`);
    await say(page, 'Is a human there?');
    const id = await sessionId(page);
    const typing = page.locator('[data-part="typing"]');
    await operator(server, id, 'typing');
    await expect(typing).toBeVisible();
    await expect(page.locator('.typing-region')).toHaveAttribute('aria-live', 'polite');
    await shot(page, testInfo, 'typing');
    await operator(server, id, 'messages', { text: 'Yes, Sam here.', name: 'Sam' });
    await expect(typing).toBeHidden();
    await expect(w.agentMessages.locator('[data-part="author-name"]')).toHaveText('Sam');

    // The page's clock paused first: its 30 s are then the page's, however busy the machine.
    // A second ahead: pauseAt cannot go back, and the page's clock moves while we ask it.
    await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 1_000);
    await operator(server, id, 'typing');
    await expect(typing).toBeVisible();
    await page.clock.runFor(29_000);
    await expect(typing).toBeVisible();
    await page.clock.runFor(1_500);
    await expect(typing).toBeHidden();
  } finally {
    await server.close();
  }
});

test('links in an operator message: http(s) only; same site in place with the chat open, elsewhere in a new tab', async ({
  page,
}) => {
  const server = await operatorServer();
  try {
    const w = await openChat(page, `${server.url}/`);
    await say(page, 'Where are your prices?');
    const id = await sessionId(page);
    await operator(server, id, 'messages', {
      text: `Prices: ${server.url}/pricing.html. Docs: https://docs.example.com/a. Not this: javascript:alert(1)`,
    });
    const message = w.agentMessages.last();
    await expect(message).toContainText('javascript:alert(1)');
    const links = message.locator('a');
    await expect(links).toHaveCount(2);
    await expect(links.first()).toHaveAttribute('href', `${server.url}/pricing.html`);
    expect(await links.first().getAttribute('target')).toBeNull();
    await expect(links.nth(1)).toHaveAttribute('href', 'https://docs.example.com/a');
    await expect(links.nth(1)).toHaveAttribute('target', '_blank');
    await expect(links.nth(1)).toHaveAttribute('rel', 'noopener noreferrer');
    await expect(links.nth(1)).toHaveAccessibleName(/opens in a new tab/);

    await links.first().click();
    await expect(page).toHaveURL(`${server.url}/pricing.html`);
    await expect(widget(page).dialog).toBeVisible();
    await expect(widget(page).agentMessages.last().locator('a')).toHaveCount(2);
  } finally {
    await server.close();
  }
});

test('the whole path from the keyboard: open, type, send, menu, clear, close; Escape hands focus back', async ({
  page,
  server,
}) => {
  await page.goto(`${server.url}/`);
  const w = widget(page);
  await expect(w.launcher).toHaveAttribute('aria-expanded', 'false');
  // Tab through the page's links to the launcher, the last thing on it.
  for (let i = 0; i < 12 && !(await w.launcher.evaluate((el) => el.matches(':focus'))); i++)
    await page.keyboard.press('Tab');
  await expect(w.launcher).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(w.dialog).toBeVisible();
  await expect(w.input).toBeFocused();
  await page.keyboard.type('hello from the keyboard');
  await page.keyboard.press('Enter');
  await expect(w.agentMessages).toHaveCount(1);

  // Back to the options button, open the menu, Escape closes only the menu.
  const options = w.dialog.getByRole('button', { name: 'Conversation options' });
  await options.focus();
  await page.keyboard.press('Enter');
  const clear = page.getByRole('button', { name: 'Clear conversation' });
  await expect(clear).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(clear).toBeHidden();
  await expect(w.dialog).toBeVisible();
  await expect(options).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(clear).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(w.messages).toHaveCount(0);

  // Escape closes the window; the focus is on the launcher again, which says it is collapsed.
  await w.input.focus();
  await page.keyboard.press('Escape');
  await expect(w.dialog).toBeHidden();
  await expect(w.launcher).toBeFocused();
  await expect(w.launcher).toHaveAttribute('aria-expanded', 'false');
  await page.keyboard.press('Enter');
  await expect(w.dialog).toBeVisible();
  // The Close button does the same.
  await w.closeButton.focus();
  await page.keyboard.press('Enter');
  await expect(w.launcher).toBeFocused();
});

for (const scheme of ['light', 'dark'] as const) {
  test(`axe finds nothing in the closed and the open widget (${scheme})`, async ({
    page,
    server,
  }, testInfo) => {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`${server.url}/`);
    const w = widget(page);
    await expect(w.launcher).toBeVisible();
    const scan = async () =>
      (await new AxeBuilder({ page }).include('leflux-widget').analyze()).violations.map(
        (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
      );
    expect(await scan()).toEqual([]);
    await w.launcher.click();
    await say(page, 'hello');
    await expect(w.agentMessages).toHaveCount(1);
    await w.input.fill('A draft');
    expect(await scan()).toEqual([]);
    await shot(page, testInfo, `open-${scheme}`);
    // The menu open too.
    await w.dialog.getByRole('button', { name: 'Conversation options' }).click();
    await expect(page.getByRole('button', { name: 'Clear conversation' })).toBeVisible();
    expect(await scan()).toEqual([]);
  });
}

test('with reduced motion the window and launcher do not animate', async ({ page, server }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const w = await openChat(page, `${server.url}/`);
  expect(await w.dialog.evaluate((el) => getComputedStyle(el).animationName)).toBe('none');
  await page.emulateMedia({ reducedMotion: 'no-preference' });
  expect(await w.dialog.evaluate((el) => getComputedStyle(el).animationName)).toBe('lf-in');
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('the window fills the screen, the page behind does not scroll, the composer stays above the keyboard', async ({
    page,
    server,
  }, testInfo) => {
    // The on-screen keyboard shrinks the visual viewport; headless Chromium shows none, so the
    // page gets a visualViewport the test can shrink, as a keyboard would.
    await page.addInitScript(() => {
      const fake = Object.assign(new EventTarget(), {
        width: 390,
        height: 844,
        offsetTop: 0,
        offsetLeft: 0,
        pageTop: 0,
        pageLeft: 0,
        scale: 1,
      });
      Object.defineProperty(window, 'visualViewport', { value: fake });
    });
    await page.goto(`${server.url}/`);
    // A page long enough to scroll.
    await page.evaluate(() => {
      document.body.style.minHeight = '3000px';
    });
    const w = widget(page);
    await w.launcher.tap();
    await expect(w.dialog).toBeVisible();
    // Once its opening animation (0.16 s, from 8 px lower) is over.
    await expect
      .poll(() => w.dialog.boundingBox())
      .toEqual({ x: 0, y: 0, width: 390, height: 844 });
    await say(page, 'hello');
    await expect(w.agentMessages).toHaveCount(1);
    await shot(page, testInfo, 'phone');

    const header = page.locator('[data-part="header"]');
    await header.hover();
    await page.mouse.wheel(0, 600);
    await w.log.hover();
    await page.mouse.wheel(0, 600);
    expect(await page.evaluate(() => scrollY)).toBe(0);

    await page.evaluate(() => {
      const viewport = window.visualViewport as unknown as { height: number } & EventTarget;
      viewport.height = 500;
      viewport.dispatchEvent(new Event('resize'));
    });
    await expect
      .poll(async () => {
        const box = await w.input.boundingBox();
        return box ? box.y + box.height : Infinity;
      })
      .toBeLessThanOrEqual(500);
    await shot(page, testInfo, 'phone-keyboard');

    // Closed, the page scrolls again.
    await w.closeButton.tap();
    await expect(w.launcher).toBeVisible();
    await page.mouse.wheel(0, 600);
    await expect.poll(() => page.evaluate(() => scrollY)).toBeGreaterThan(0);
  });
});

test('right to left: an Arabic page mirrors the widget and speaks Arabic', async ({
  page,
  server,
}, testInfo) => {
  await page.route(`${server.url}/rtl.html`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>متجر</title></head><body><h1>متجر</h1><script src="/widget.js" data-title="المساعدة" async></script></body></html>`,
    }),
  );
  await page.goto(`${server.url}/rtl.html`);
  const launcher = page.getByRole('button', { name: 'افتح المحادثة' });
  await expect(launcher).toBeVisible();
  // At the end of a right-to-left line: the left edge.
  expect((await launcher.boundingBox())!.x).toBeLessThan(100);
  await launcher.click();
  const dialog = page.getByRole('dialog', { name: 'المساعدة' });
  await expect(dialog).toBeVisible();
  expect(await dialog.evaluate((el) => getComputedStyle(el).direction)).toBe('rtl');
  const input = dialog.getByRole('textbox', { name: 'رسالة' });
  await input.fill('مرحبا');
  await input.press('Enter');
  await expect(dialog.locator('[data-author="agent"]')).toHaveCount(1);
  // The visitor's bubble on the right-to-left end (left), the close button at the far left.
  const bubble = await dialog.locator('[data-author="visitor"] .bubble').boundingBox();
  const box = (await dialog.boundingBox())!;
  expect(bubble!.x - box.x).toBeLessThan(40);
  const close = await dialog.getByRole('button', { name: 'إغلاق المحادثة' }).boundingBox();
  expect(close!.x - box.x).toBeLessThan(60);
  await shot(page, testInfo, 'right-to-left');
});

test('the site’s accent colour and strings: data-accent, LeFluxSettings.strings, one warning per bad value', async ({
  page,
  server,
}) => {
  const warnings: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' && m.text().includes('[leflux]')) warnings.push(m.text());
  });
  const embed = (path: string, attrs: string, settings = '') =>
    page.route(`${server.url}${path}`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><html lang="en"><head><title>Accent</title></head><body><script>${settings}</script><script src="/widget.js" ${attrs} async></script></body></html>`,
      }),
    );
  await embed(
    '/accent.html',
    'data-accent="#ffeb3b"',
    `window.LeFluxSettings = { strings: { openChat: 'Questions?', send: 'Go', nope: 'x' } };`,
  );
  await page.goto(`${server.url}/accent.html`);
  const launcher = page.getByRole('button', { name: 'Questions?' });
  await expect(launcher).toBeVisible();
  const colours = () =>
    launcher.evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]);
  // A pale accent gets near-black text, for contrast.
  expect(await colours()).toEqual(['rgb(255, 235, 59)', 'rgb(17, 17, 17)']);
  await launcher.click();
  await expect(page.getByRole('dialog').getByRole('button', { name: 'Go' })).toBeVisible();
  expect(warnings).toEqual([
    '[leflux] LeFluxSettings.strings.nope="x" is invalid (no such setting); ignored.',
  ]);

  warnings.length = 0;
  await page.evaluate(() => localStorage.clear());
  await embed('/bad-accent.html', 'data-accent="url(javascript:alert(1))"');
  await page.goto(`${server.url}/bad-accent.html`);
  await expect(page.getByRole('button', { name: 'Open chat' })).toBeVisible();
  expect(
    await page
      .getByRole('button', { name: 'Open chat' })
      .evaluate((el) => getComputedStyle(el).backgroundColor),
  ).toBe('rgb(79, 70, 229)');
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain('data-accent="url(javascript:alert(1))"');
});

test('a strict CSP with Trusted Types sees no violation and no console error through a whole chat', async ({
  page,
  server,
  otherOrigin,
}) => {
  const ws = server.url.replace(/^http/, 'ws');
  otherOrigin.page(
    '/',
    `<!doctype html><html lang="en"><head><title>Strict shop</title></head><body><h1>Strict shop</h1>
     <script src="${server.url}/widget.js" data-server="${server.url}" data-title="Shop chat" data-accent="#0a7d4f" async></script></body></html>`,
    {
      'content-security-policy': `default-src 'self'; script-src ${server.url}; style-src ${server.url}; connect-src ${server.url} ${ws}; require-trusted-types-for 'script'`,
    },
  );
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { violations: string[] }).violations = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${otherOrigin.url}/`);
  const w = widget(page, 'Shop chat');
  // Styled from the first paint: the launcher is a 56 px circle in the accent.
  await expect(w.launcher).toBeVisible();
  expect(await w.launcher.evaluate((el) => getComputedStyle(el).width)).toBe('56px');
  await w.launcher.click();
  await say(page, 'hello', 'Shop chat');
  await expect(w.agentMessages).toHaveCount(1);
  await say(page, 'pricing?', 'Shop chat');
  await expect(w.agentMessages).toHaveCount(2);
  await w.dialog.getByRole('button', { name: 'Conversation options' }).click();
  await page.getByRole('button', { name: 'Clear conversation' }).click();
  await expect(w.messages).toHaveCount(0);
  await page.reload();
  await expect(w.launcher).toBeVisible();
  expect(
    await page.evaluate(() => (window as unknown as { violations: string[] }).violations),
  ).toEqual([]);
  expect(errors).toEqual([]);
});

test('where WebSockets are blocked, the chat falls back to long-polling', async ({
  page,
  server,
}) => {
  // A network that refuses WebSockets: every one fails to connect, as the browser reports it.
  await page.addInitScript(() => {
    window.WebSocket = class extends EventTarget {
      readyState = 0;
      onerror: ((e: Event) => void) | null = null;
      onclose: ((e: { code: number; reason: string }) => void) | null = null;
      constructor(readonly url: string) {
        super();
        setTimeout(() => {
          this.readyState = 3;
          this.onerror?.(new Event('error'));
          this.onclose?.({ code: 1006, reason: '' });
        }, 10);
      }
      send() {}
      close() {}
    } as unknown as typeof WebSocket;
  });
  const polled: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('transport=polling')) polled.push(r.url());
  });
  await openChat(page, `${server.url}/`);
  await say(page, 'hello over polling');
  const w = widget(page);
  await expect(w.agentMessages).toHaveCount(1, { timeout: 15_000 });
  expect(polled.length).toBeGreaterThan(0);
});

test('the read-only notice while another tab took over', async ({ context, server }, testInfo) => {
  const a = await context.newPage();
  const w = await openChat(a, `${server.url}/`);
  await say(a, 'hello');
  await expect(w.agentMessages).toHaveCount(1);
  const b = await context.newPage();
  await b.goto(`${server.url}/pricing.html`);
  await expect(widget(b).dialog).toBeVisible();
  await say(b, 'from the other tab');
  await a.bringToFront();
  await expect(a.getByRole('status').filter({ hasText: 'another tab took over' })).toBeVisible();
  await shot(a, testInfo, 'read-only-notice');
});

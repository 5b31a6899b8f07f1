import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import type { ServerConfig } from '../src/server/config.js';
import { silentLogger } from '../src/server/logger.js';
import { type LeFluxServerOptions, startServer } from '../src/server/server.js';

/** A LeFlux server of this test's own, on a free loopback port, with an in-memory log. */
export interface TestServer {
  url: string;
  port: number;
  /** Stops the server and starts a fresh one on the same port: the memory store is lost. */
  restart(): Promise<void>;
}

/** A second origin (another port) for pages that embed the widget from the LeFlux server. */
export interface OtherOrigin {
  url: string;
  /** Serves `html` at `path` on this origin, with `headers` (a Content-Security-Policy…). */
  page(path: string, html: string, headers?: Record<string, string>): void;
}

/** The parts a test may replace (the agent, the store…), apart from the settings. */
export type TestServerParts = Omit<LeFluxServerOptions, keyof ServerConfig>;

/**
 * Starts a LeFlux server for one test on a free loopback port, with an in-memory message log and
 * the demo (site, agent, crawl) on; `overrides` change the settings, `parts` the agent or store.
 */
export async function createTestServer(
  overrides: Partial<ServerConfig> = {},
  parts: TestServerParts = {},
): Promise<TestServer & { close(): Promise<void> }> {
  const config = { port: 0, dbPath: ':memory:', demo: true, ...overrides };
  const start = async (c: Partial<ServerConfig>) => {
    const started = await startServer({ ...c, logger: silentLogger, ...parts });
    // The demo agent answers from the crawled site: let the crawl (4 local pages) finish first.
    await started.crawled;
    return started;
  };
  let running = await start(config);
  const port = running.port;
  return {
    url: running.url,
    port,
    async restart() {
      await running.close();
      running = await start({ ...config, port });
    },
    close: () => running.close(),
  };
}

/**
 * One clock for the test's server and its browser context, so lifetimes counted in the browser
 * (records' TTLs) and on the server (idle eviction) are tested together.
 */
export interface SharedClock {
  /** Moves the server's clock and every page's clock of the context `ms` forward together. */
  advance(ms: number): Promise<void>;
}

export const test = base.extend<{
  server: TestServer;
  otherOrigin: OtherOrigin;
  serverConfig: Partial<ServerConfig>;
  /** How far the test moved the server's clock (see `clock`). */
  serverTime: { offset: number };
  clock: SharedClock;
}>({
  serverConfig: [{}, { option: true }],
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
  serverTime: async ({}, use) => {
    await use({ offset: 0 });
  },
  server: async ({ serverConfig, serverTime }, use) => {
    const server = await createTestServer(serverConfig, {
      now: () => Date.now() + serverTime.offset,
    });
    await use(server);
    await server.close();
  },
  clock: async ({ context, serverTime }, use) => {
    // The pages' clock starts at the real time and runs, as the server's does.
    await context.clock.install();
    await use({
      async advance(ms) {
        serverTime.offset += ms;
        await context.clock.fastForward(ms);
      },
    });
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
  otherOrigin: async ({}, use) => {
    const pages = new Map<string, { html: string; headers?: Record<string, string> }>();
    const http: Server = createServer((req, res) => {
      const page = pages.get(req.url ?? '');
      res.writeHead(page ? 200 : 404, {
        'content-type': 'text/html; charset=utf-8',
        ...page?.headers,
      });
      res.end(page?.html ?? 'not found');
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const { port } = http.address() as AddressInfo;
    await use({
      url: `http://127.0.0.1:${port}`,
      page: (path, html, headers) => void pages.set(path, { html, headers }),
    });
    http.closeAllConnections();
    http.close();
  },
});

export { expect };

/** The widget as a visitor finds it: by role and accessible name (Playwright pierces the open shadow root). */
export function widget(page: Page, title = 'LeFlux help') {
  const dialog = page.getByRole('dialog', { name: title });
  const log = dialog.getByRole('log');
  return {
    launcher: page.getByRole('button', { name: 'Open chat' }),
    dialog,
    closeButton: dialog.getByRole('button', { name: 'Close chat' }),
    log,
    messages: log.locator('[data-message-id]'),
    visitorMessages: log.locator('[data-author="visitor"]'),
    agentMessages: log.locator('[data-author="agent"]'),
    input: dialog.getByRole('textbox', { name: 'Message' }),
    sendButton: dialog.getByRole('button', { name: 'Send' }),
  };
}

/**
 * Opens the window and scrolls its log back to the start until no more messages appear: the
 * log renders the newest and adds older ones as the visitor scrolls up.
 */
export async function revealWholeLog(page: Page): Promise<void> {
  await page.evaluate(() => window.LeFlux?.open());
  await page.evaluate(async () => {
    const log = document.querySelector('leflux-widget')?.shadowRoot?.querySelector('[role="log"]');
    if (!(log instanceof HTMLElement)) return;
    const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 20)));
    let count = -1;
    for (let stable = 0; stable < 3; ) {
      log.scrollTop = 0;
      log.dispatchEvent(new Event('scroll'));
      await frame();
      const now = log.querySelectorAll('[data-message-id]').length;
      stable = now === count ? stable + 1 : 0;
      count = now;
    }
  });
}
/** Goes to `url` and opens the chat window with the launcher, as a visitor would. */
export async function openChat(page: Page, url: string, title?: string) {
  await page.goto(url);
  const w = widget(page, title);
  await w.launcher.click();
  await expect(w.dialog).toBeVisible();
  return w;
}

/** Types a message and presses Enter, as a visitor would. */
export async function say(page: Page, text: string, title?: string): Promise<void> {
  const w = widget(page, title);
  await w.input.fill(text);
  await w.input.press('Enter');
}

/** Texts of the messages on screen, in order. */
export async function shownTexts(messages: Locator): Promise<string[]> {
  return messages.locator('.bubble').allInnerTexts();
}

/** The parsed `data` of a LeFlux localStorage record, or null. */
export async function storedRecord<T = Record<string, unknown>>(
  page: Page,
  key: string,
): Promise<T | null> {
  const raw = await page.evaluate((k) => localStorage.getItem(k), key);
  return raw ? (JSON.parse(raw).data as T) : null;
}

/** Every message stored in IndexedDB (`leflux` database, `messages` store). */
export function storedMessages(
  page: Page,
): Promise<Array<{ id: string; text: string; status: string; archivedAt?: number }>> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('leflux');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const req = db.transaction('messages').objectStore('messages').getAll();
          req.onsuccess = () => {
            db.close();
            resolve(req.result);
          };
          req.onerror = () => reject(req.error);
        };
      }),
  );
}

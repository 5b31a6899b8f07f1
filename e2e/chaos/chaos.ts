/**
 * The fault suite's tools: a real LeFlux server in this process whose TCP connections the test
 * can cut from the server side, counts of what was sent, stored, logged and shown, and the two
 * forms of the suite (`npm run test:chaos` runs the full one, `npm test` the short one).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Page } from '@playwright/test';
import type { Agent } from '../../src/server/agent/agent.js';
import { NO_RATE_LIMITS } from '../../src/server/limits/rate-limiter.js';
import type { MessageLog } from '../../src/server/log/message-log.js';
import { openSqliteMessageLog } from '../../src/server/log/sqlite-log.js';
import { silentLogger } from '../../src/server/logger.js';
import {
  createLeFluxServer,
  type LeFluxServer,
  type LeFluxServerOptions,
} from '../../src/server/server.js';
import { createMemorySessionStore } from '../../src/server/stores/memory-store.js';
import type { SessionStore } from '../../src/server/stores/session-store.js';
import { seededRandom } from '../../src/server/testing/seeded-random.js';
import { expect, revealWholeLog } from '../fixtures.js';

/** `LEFLUX_CHAOS=full` (`npm run test:chaos`): the figures; otherwise a short form. */
export const FULL = process.env.LEFLUX_CHAOS === 'full';

/** `short` under `npm test`, `full` under `npm run test:chaos`. */
export const form = <T>(short: T, full: T): T => (FULL ? full : short);

/** The suite's random draws: `LEFLUX_CHAOS_SEED` replays a run (each scenario prints its seed). */
export const random = (seed = Number(process.env.LEFLUX_CHAOS_SEED ?? Date.now() % 1e9)) =>
  seededRandom(seed);

export interface ChaosServer {
  url: string;
  server: LeFluxServer;
  store: SessionStore;
  log: MessageLog;
  /**
   * Destroys every TCP connection to the server from its side (websockets too: the engine is
   * gone at once, with no close frame). With `forMs`, new connections are destroyed too until
   * that time has passed.
   */
  cut(forMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A LeFlux server with the demo site, no rate limits (the suite is one visitor sending as fast as
 * it can), an in-memory store and log the test reads, on an HTTP server of the test's own so its
 * connections can be cut.
 */
export async function startChaosServer(
  options: { agent?: Agent; store?: (inner: SessionStore) => SessionStore } & Pick<
    LeFluxServerOptions,
    'pingIntervalMs'
  > = {},
): Promise<ChaosServer> {
  const inner = createMemorySessionStore({ idleTtlMs: 30 * 60_000 });
  const store = options.store ? options.store(inner) : inner;
  const log = openSqliteMessageLog(':memory:');
  const server = await createLeFluxServer({
    demo: true,
    crawl: false,
    limits: NO_RATE_LIMITS,
    logger: silentLogger,
    store,
    log,
    // Nobody answers unless the test says so: the counts are the visitor's messages.
    agent: options.agent ?? { reply: async () => null },
    ...(options.pingIntervalMs ? { pingIntervalMs: options.pingIntervalMs } : {}),
  });
  const http: Server = createServer((req, res) => server.handle(req, res));
  server.attach(http);
  const sockets = new Set<Socket>();
  let refuseUntil = 0;
  http.on('connection', (socket: Socket) => {
    if (Date.now() < refuseUntil) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    store,
    log,
    async cut(forMs = 0) {
      refuseUntil = Date.now() + forMs;
      for (const socket of sockets) socket.destroy();
      if (forMs > 0) await new Promise((done) => setTimeout(done, forMs));
    },
    async close() {
      await server.close();
      http.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => http.close(() => done()));
    },
  };
}

/** The widget's headless client is there (the chat chunk loaded). */
export async function clientReady(page: Page): Promise<void> {
  await page.waitForFunction(() => window.LeFlux?.client !== undefined);
  await page.evaluate(() => window.LeFlux?.client.ready());
}

/** Sends `texts` one after another with `window.LeFlux.send` (each resolves once stored locally). */
export function sendAll(page: Page, texts: readonly string[], gapMs = 0): Promise<void> {
  return page.evaluate(
    async ({ texts, gapMs }) => {
      for (const text of texts) {
        await window.LeFlux?.send(text);
        if (gapMs > 0) await new Promise((done) => setTimeout(done, gapMs));
      }
    },
    { texts: [...texts], gapMs },
  );
}

/** Texts `prefix-0001` ... in order: unique, so a duplicate is a text seen twice. */
export const numbered = (prefix: string, count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => `${prefix}-${String(from + i + 1).padStart(4, '0')}`);

/** What the client holds: every message's text, author, status and session, in display order. */
export function clientMessages(page: Page) {
  return page.evaluate(() =>
    (window.LeFlux?.client.getState().messages ?? []).map((m) => ({
      id: m.id,
      text: m.text,
      author: m.author,
      status: m.status,
      sessionId: m.sessionId,
    })),
  );
}

/** Waits until the client has nothing left to send. */
export async function delivered(page: Page, timeout = 60_000): Promise<void> {
  await expect
    .poll(async () => (await clientMessages(page)).filter((m) => m.status !== 'sent').length, {
      timeout,
      intervals: [100, 250, 500],
    })
    .toBe(0);
}

/**
 * The visitor messages the widget shows, in order, after scrolling the log back to its start
 * (the list renders the newest first and older ones as the visitor scrolls up). Opens the
 * window first.
 */
export async function shownVisitorTexts(page: Page): Promise<string[]> {
  await revealWholeLog(page);
  return page.evaluate(() => {
    const log = document.querySelector('leflux-widget')?.shadowRoot?.querySelector('[role="log"]');
    return [...(log?.querySelectorAll('[data-author="visitor"] .bubble') ?? [])].map(
      (bubble) => bubble.textContent ?? '',
    );
  });
}

/** Visitor message texts the store and the log hold for `sessionIds`, in seq order per session. */
export async function serverTexts(chaos: Pick<ChaosServer, 'store' | 'log'>, sessionIds: string[]) {
  const stored: string[] = [];
  const logged: string[] = [];
  for (const id of sessionIds) {
    for (const m of await chaos.store.history.after(id, 0))
      if (m.author === 'visitor') stored.push(m.text);
    for (const e of await chaos.log.listSession(id))
      if (e.author === 'visitor') logged.push(e.text);
  }
  return { stored, logged };
}

/** How many texts appear more than once, summed over each list (each list counted apart). */
export const duplicates = (...lists: (readonly string[])[]) =>
  lists.reduce((sum, texts) => sum + texts.length - new Set(texts).size, 0);

/** The sessions `page` used, the visitor texts the server stored and logged for them, and those on its screen. */
export async function visitorTexts(chaos: Pick<ChaosServer, 'store' | 'log'>, page: Page) {
  const sessions = [...new Set((await clientMessages(page)).map((m) => m.sessionId ?? ''))];
  const { stored, logged } = await serverTexts(chaos, sessions);
  return { sessions, stored, logged, shown: await shownVisitorTexts(page) };
}

export interface Counts {
  sent: number;
  stored: number;
  logged: number;
  onScreen: number;
  duplicates: number;
  pageErrors: number;
  [extra: string]: number | string;
}

/** Prints a scenario's counts as one line (the suite's report), and returns them. */
export function report(scenario: string, counts: Counts): Counts {
  const { sent, stored, logged, onScreen, duplicates: dups, pageErrors, ...extra } = counts;
  const more = Object.entries(extra)
    .map(([k, v]) => `, ${k} ${v}`)
    .join('');
  console.log(
    `chaos ${scenario} [${FULL ? 'full' : 'short'}]: sent ${sent}, stored ${stored}, logged ${logged}, on screen ${onScreen}, duplicates ${dups}, page errors ${pageErrors}${more}`,
  );
  return counts;
}

/**
 * Freezes `page` until the returned function is called: CDP `Page.setWebLifecycleState`
 * "frozen", and, because this headless Chromium answers that call but runs the page on (timers
 * tick, no `freeze` event: checked on Chromium 156), its script is also stopped in the debugger,
 * which is what a frozen page is to its own code: no timer, no event handler, no script at all,
 * while the browser's network stack goes on (what arrives waits in the page's queue).
 */
export async function freeze(page: Page): Promise<() => Promise<void>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Page.enable');
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
  await cdp.send('Debugger.enable');
  const paused = new Promise((done) => cdp.once('Debugger.paused', done));
  await cdp.send('Debugger.pause');
  // The pause takes hold at the next statement the page runs: make it now.
  void cdp.send('Runtime.evaluate', { expression: 'void 0' }).catch(() => undefined);
  await paused;
  return async () => {
    await cdp.send('Debugger.resume');
    await cdp.send('Debugger.disable');
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    await cdp.detach();
  };
}

/** Collects the page's uncaught errors (and those of pages opened later in its context). */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  const watch = (p: Page) => p.on('pageerror', (error) => errors.push(String(error)));
  watch(page);
  page.context().on('page', watch);
  return errors;
}

/**
 * Figure 4: from script start to the cached conversation on screen after a reload, with a
 * session of N messages (seeded in the server, stored in the page's localStorage, cached in
 * IndexedDB by a first load). Baseline: DOMContentLoaded of the same page without the widget.
 */
import type { Browser, Page } from '@playwright/test';
import { idbBarrier, probedContext, probeState, storeSession } from './browser.js';
import type { BenchServer } from './server-process.js';
import { median, sleep } from './stats.js';

export interface ReloadSample {
  /** widget.js responseEnd (resource timing) -> last message element in the shadow root. */
  scriptToScreen: number;
  dclToScreen: number;
  navigationToScreen: number;
  longTasks: number;
  longestTask: number;
}

export interface WidgetLoadResult {
  messages: number;
  samples: ReloadSample[];
  scriptToScreenP50: number;
  dclToScreenP50: number;
  navigationToScreenP50: number;
  longTasksP50: number;
  longestTask: number;
  /** Only measured when asked: long tasks while typing 20 messages and scrolling the log. */
  interaction?: { longTasks: number; longestTask: number };
}

const LOAD_TIMEOUT_MS = 60_000;

/**
 * The reload is over: the conversation is on screen, the server's restore answer has been handled
 * (the contract's `restore` event, or — should the probe miss the event — the response plus a
 * grace period), and the widget's IndexedDB writes have landed.
 */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const s = window.__leFluxBench;
      const answered = performance
        .getEntriesByType('resource')
        .some((e) => new URL(e.name).pathname.startsWith('/api/session/'));
      return s?.onScreenAt !== undefined && (s.restoredAt !== undefined || answered);
    },
    undefined,
    { timeout: LOAD_TIMEOUT_MS },
  );
  if ((await probeState(page)).restoredAt === undefined) await sleep(500);
  await idbBarrier(page);
}

async function sample(page: Page): Promise<ReloadSample> {
  const { onScreenAt, dcl, scriptEnd, longTasks } = await page.evaluate(() => {
    const state = window.__leFluxBench!;
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const path = (e: PerformanceEntry) => new URL(e.name).pathname;
    const script = resources.find((e) => path(e) === '/widget.js');
    return {
      onScreenAt: state.onScreenAt!,
      dcl: nav.domContentLoadedEventStart,
      scriptEnd: script?.responseEnd ?? Number.NaN,
      longTasks: state.longTasks,
    };
  });
  return {
    scriptToScreen: onScreenAt - scriptEnd,
    dclToScreen: onScreenAt - dcl,
    navigationToScreen: onScreenAt,
    longTasks: longTasks.length,
    longestTask: Math.max(0, ...longTasks.map((t) => t.duration)),
  };
}

/** Long tasks while a visitor types `count` messages and scrolls the log up and back down. */
async function interaction(page: Page, count: number) {
  const input = page.getByRole('textbox', { name: 'Message' });
  await input.fill('');
  await page.evaluate(() => {
    window.__leFluxBench!.longTasks = [];
  });
  for (let i = 0; i < count; i++) {
    await input.pressSequentially(`typing check ${i}`);
    await input.press('Enter');
  }
  const log = page.getByRole('log');
  await log.hover();
  for (const direction of [-1, 1]) {
    for (let i = 0; i < 20; i++) {
      await page.mouse.wheel(0, direction * 1200);
      await sleep(40);
    }
  }
  await sleep(500);
  const { longTasks } = await probeState(page);
  return {
    longTasks: longTasks.length,
    longestTask: Math.max(0, ...longTasks.map((t) => t.duration)),
  };
}

export async function measureWidgetLoad(
  browser: Browser,
  server: BenchServer,
  messages: number,
  options: { reloads: number; interaction: boolean; blank: BlankPage },
): Promise<WidgetLoadResult> {
  const [session] = await server.seed({
    siteKey: 'bench',
    sessions: 1,
    messages,
    prefix: `w${messages}x`,
  });
  if (!session) throw new Error('seeding failed');
  const context = await probedContext(browser, { targetMessageId: session.lastMessageId });
  try {
    const page = await context.newPage();
    await storeSession(page, server.url, { ...session, siteKey: 'bench' });
    // First load: restored from the server, then cached in IndexedDB.
    await page.goto(`${server.url}/widget.html`);
    await settled(page);
    // One unmeasured reload so the HTTP cache and the cache-read path are warm.
    await page.reload();
    await settled(page);
    const samples: ReloadSample[] = [];
    for (let i = 0; i < options.reloads; i++) {
      await page.reload();
      await settled(page);
      samples.push(await sample(page));
      await options.blank.sample();
    }
    return {
      messages,
      samples,
      scriptToScreenP50: median(samples.map((s) => s.scriptToScreen)),
      dclToScreenP50: median(samples.map((s) => s.dclToScreen)),
      navigationToScreenP50: median(samples.map((s) => s.navigationToScreen)),
      longTasksP50: median(samples.map((s) => s.longTasks)),
      longestTask: Math.max(...samples.map((s) => s.longestTask)),
      ...(options.interaction ? { interaction: await interaction(page, 20) } : {}),
    };
  } finally {
    await context.close();
  }
}

/** The same page without the widget, in a context of its own: reloaded beside every widget reload. */
export interface BlankPage {
  /** Reloads it once; returns its time to DOMContentLoaded. */
  sample(): Promise<number>;
  /** Every sample taken so far. */
  readonly samples: number[];
  close(): Promise<void>;
}

export async function openBlankPage(browser: Browser, origin: string): Promise<BlankPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${origin}/blank.html`);
  const samples: number[] = [];
  return {
    samples,
    async sample() {
      await page.reload();
      const dcl = await page.evaluate(
        () =>
          (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming)
            .domContentLoadedEventStart,
      );
      samples.push(dcl);
      return dcl;
    },
    close: () => context.close(),
  };
}

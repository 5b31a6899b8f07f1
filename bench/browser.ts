/**
 * Chromium for the browser figures, and the probe every bench page gets as an init script:
 * it watches `<leflux-widget>`'s shadow root from the moment it is attached and timestamps
 * what a visitor would see (launcher, a given message, marked messages), long tasks, and the
 * widget's `restore` event.
 */
import { type Browser, type BrowserContext, chromium, type Page } from '@playwright/test';
import { chromiumLaunchOptions } from '../e2e/chromium.js';

/** Chromium launched the same way as for the e2e tests. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ ...chromiumLaunchOptions(), headless: true });
}

export interface ProbeConfig {
  /** `data-message-id` whose element counts as "the conversation on screen". */
  targetMessageId?: string;
  /** Messages whose text matches `<markerPrefix><n>` are timestamped by n (epoch ms). */
  markerPrefix?: string;
}

/** What the probe has seen; `performance.now()` times unless said otherwise. */
export interface ProbeState {
  onScreenAt?: number;
  launcherAt?: number;
  restoredAt?: number;
  longTasks: Array<{ start: number; duration: number }>;
  /** marker n -> performance.timeOrigin + performance.now() when it first showed. */
  marks: Record<string, number>;
}

declare global {
  interface Window {
    __leFluxBench?: ProbeState;
  }
}

/** The part of the contract's `window.LeFlux` the bench uses. */
export interface LeFluxApi {
  send(text: string): Promise<unknown>;
  on(event: 'restore', handler: () => void): void;
}

/** Runs in the page before any of its scripts. Self-contained: Playwright serialises it. */
function installProbe(config: ProbeConfig): void {
  const state: ProbeState = { longTasks: [], marks: {} };
  window.__leFluxBench = state;
  const markerPattern = config.markerPrefix
    ? new RegExp(`${config.markerPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d+)`)
    : undefined;

  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        state.longTasks.push({ start: entry.startTime, duration: entry.duration });
      }
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // No long-task timing in this browser: the count stays empty.
  }

  const isLauncher = (button: Element) =>
    button.getAttribute('aria-label') === 'Open chat' || button.textContent?.trim() === 'Open chat';

  function check(root: ShadowRoot): void {
    const now = performance.now();
    if (config.targetMessageId && state.onScreenAt === undefined) {
      const selector = `[data-message-id="${CSS.escape(config.targetMessageId)}"]`;
      if (root.querySelector(selector)) state.onScreenAt = now;
    }
    if (state.launcherAt === undefined) {
      for (const button of root.querySelectorAll('button')) {
        if (isLauncher(button)) state.launcherAt = now;
      }
    }
  }

  function mark(node: Node): void {
    if (!markerPattern || !(node instanceof Element)) return;
    const found = node.matches('[data-message-id]')
      ? [node]
      : [...node.querySelectorAll('[data-message-id]')];
    for (const element of found) {
      const n = markerPattern.exec(element.textContent ?? '')?.[1];
      if (n !== undefined && state.marks[n] === undefined) {
        state.marks[n] = performance.timeOrigin + performance.now();
      }
    }
  }

  function watch(root: ShadowRoot): void {
    check(root);
    new MutationObserver((records) => {
      check(root);
      if (markerPattern) for (const record of records) record.addedNodes.forEach(mark);
    }).observe(root, { childList: true, subtree: true, attributes: true });
  }

  const attachShadow = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (this: Element, init: ShadowRootInit) {
    const root = attachShadow.call(this, init);
    if (this.localName === 'leflux-widget') watch(root);
    return root;
  };

  // Catch the contract's `restore` event from the moment `window.LeFlux` is assigned.
  let api: LeFluxApi | undefined;
  Object.defineProperty(window, 'LeFlux', {
    configurable: true,
    get: () => api,
    set(value: LeFluxApi | undefined) {
      api = value;
      value?.on('restore', () => {
        state.restoredAt ??= performance.now();
      });
    },
  });
}

/** A fresh context whose pages all carry the probe. */
export async function probedContext(
  browser: Browser,
  config: ProbeConfig = {},
): Promise<BrowserContext> {
  const context = await browser.newContext();
  // tsx (esbuild keepNames) wraps named functions in `__name(...)`; the page needs that helper,
  // also for later `page.evaluate` callbacks.
  await context.addInitScript({
    content: `globalThis.__name ??= (f) => f;\n(${installProbe.toString()})(${JSON.stringify(config)});`,
  });
  return context;
}

export const probeState = (page: Page): Promise<ProbeState> =>
  page.evaluate(() => window.__leFluxBench ?? { longTasks: [], marks: {} });

/**
 * Waits until a readwrite transaction over every store of the `leflux` database completes:
 * IndexedDB runs overlapping readwrite transactions in order, so the widget's writes have landed.
 */
export function idbBarrier(page: Page): Promise<void> {
  return page.evaluate(async () => {
    const known = await indexedDB.databases();
    if (!known.some((d) => d.name === 'leflux')) return;
    await new Promise<void>((done) => {
      const open = indexedDB.open('leflux');
      open.onerror = () => done();
      open.onsuccess = () => {
        const db = open.result;
        const names = [...db.objectStoreNames];
        if (names.length === 0) {
          db.close();
          done();
          return;
        }
        const tx = db.transaction(names, 'readwrite');
        tx.oncomplete =
          tx.onabort =
          tx.onerror =
            () => {
              db.close();
              done();
            };
      };
    });
  });
}

export interface StoredSessionRecord {
  id: string;
  token: string;
  siteKey: string;
}

/**
 * Puts the contract's `leflux:sessionId` and `leflux:widget` (open) records in the origin's
 * localStorage, as a visitor's earlier visit would have left them.
 */
export async function storeSession(
  page: Page,
  origin: string,
  session: StoredSessionRecord,
): Promise<void> {
  await page.goto(`${origin}/blank.html`);
  await page.evaluate((s) => {
    const now = Date.now();
    const expiresAt = now + 24 * 3_600_000;
    localStorage.setItem(
      'leflux:sessionId',
      JSON.stringify({ v: 1, expiresAt, data: { ...s, savedAt: now } }),
    );
    localStorage.setItem(
      'leflux:widget',
      JSON.stringify({ v: 1, expiresAt, data: { open: true } }),
    );
  }, session);
}

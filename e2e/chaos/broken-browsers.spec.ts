import type { BrowserContext, Page } from '@playwright/test';
import { expect, test } from '../fixtures.js';
import {
  type ChaosServer,
  clientMessages,
  clientReady,
  delivered,
  duplicates,
  numbered,
  pageErrors,
  report,
  sendAll,
  serverTexts,
  shownVisitorTexts,
  startChaosServer,
} from './chaos.js';

const MESSAGES = 20;
const FAR = 4_102_444_800_000; // 2100-01-01: records that have not expired

/** What one broken browser does before the widget's page loads, and checks after the chat. */
interface Breakage {
  name: string;
  /** Breaks the context (init scripts, CDP, other tabs) before `page` goes to the site. */
  before(context: BrowserContext, page: Page, chaos: ChaosServer): Promise<void>;
  /** Checks what the breakage is about, once the chat went through. */
  after?(page: Page): Promise<void>;
}

/** Reads the `leflux:*` localStorage records as they are (in a page where storage works). */
const rawRecords = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      ['leflux:sessionId', 'leflux:widget', 'leflux:user'].map((key) => [
        key,
        localStorage.getItem(key),
      ]),
    ),
  );

/** Every row of the IndexedDB history, as stored. */
const historyRows = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<Array<{ id: unknown; text: unknown }>>((resolve, reject) => {
        const open = indexedDB.open('leflux');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const read = open.result.transaction('messages').objectStore('messages').getAll();
          read.onsuccess = () => {
            open.result.close();
            resolve(
              (read.result as Array<{ id: unknown; text: unknown }>).map(({ id, text }) => ({
                id,
                text: typeof text === 'string' && text.length > 100 ? `${text.length} chars` : text,
              })),
            );
          };
        };
      }),
  );

const BREAKAGES: Breakage[] = [
  {
    name: 'localStorage throws on read',
    async before(context) {
      await context.addInitScript(() => {
        Storage.prototype.getItem = () => {
          throw new DOMException('The operation is insecure.', 'SecurityError');
        };
      });
    },
  },
  {
    name: 'setItem throws QuotaExceededError',
    async before(context) {
      await context.addInitScript(() => {
        Storage.prototype.setItem = () => {
          throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        };
      });
    },
  },
  {
    name: 'no indexedDB',
    async before(context) {
      await context.addInitScript(() => {
        Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
      });
    },
  },
  {
    name: 'IndexedDB open fails',
    async before(_context, page, chaos) {
      // A database of a later version than this widget's: opening it fails (VersionError).
      await page.goto(`${chaos.url}/pricing.html`);
      await page.evaluate(
        () =>
          new Promise<void>((resolve) => {
            const open = indexedDB.open('leflux', 99);
            open.onsuccess = () => {
              open.result.close();
              resolve();
            };
          }),
      );
    },
  },
  {
    name: 'an upgrade blocked by an old tab',
    async before(context, _page, chaos) {
      // An old tab, from before the history's current version, that never lets go of its
      // connection (older code without a versionchange handler). Its page has this widget too,
      // whose own upgrade is blocked first: this page's open queues behind it and hears nothing.
      const old = await context.newPage();
      await old.goto(`${chaos.url}/pricing.html`);
      await old.evaluate(
        () =>
          new Promise<void>((resolve) => {
            const open = indexedDB.open('leflux', 1);
            open.onupgradeneeded = () =>
              open.result
                .createObjectStore('messages', { keyPath: 'id' })
                .createIndex('bySite', 'siteKey');
            open.onsuccess = () => {
              Object.assign(window, { heldOpen: open.result });
              resolve();
            };
          }),
      );
    },
  },
  {
    name: 'cookies blocked',
    async before(context, page) {
      // What Chromium does with "Block all cookies": no document.cookie, and site storage
      // refused with a SecurityError.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setDocumentCookieDisabled', { disabled: true });
      await context.addInitScript(() => {
        const denied = () => {
          throw new DOMException('Access is denied for this document.', 'SecurityError');
        };
        Object.defineProperty(window, 'localStorage', { get: denied, configurable: true });
        Object.defineProperty(window, 'sessionStorage', { get: denied, configurable: true });
        IDBFactory.prototype.open = denied;
        IDBFactory.prototype.databases = () =>
          Promise.reject(new DOMException('denied', 'SecurityError'));
      });
    },
    async after(page) {
      expect(await page.evaluate(() => document.cookie)).toBe('');
    },
  },
  {
    name: 'corrupt localStorage records (truncated JSON, wrong types, a future schema version)',
    async before(context) {
      await context.addInitScript(
        ({ far }) => {
          if (sessionStorage.getItem('seeded')) return;
          sessionStorage.setItem('seeded', '1');
          localStorage.setItem(
            'leflux:sessionId',
            '{"v":1,"expiresAt":4102444800000,"data":{"id":"abc',
          );
          localStorage.setItem(
            'leflux:widget',
            JSON.stringify({ v: 7, expiresAt: far, data: { open: true, layout: 'next' } }),
          );
          localStorage.setItem(
            'leflux:user',
            JSON.stringify({
              v: 1,
              expiresAt: far,
              data: { name: 'Ada', email: 42, phone: ['x'] },
            }),
          );
          localStorage.setItem('site:own', 'the page’s own record');
        },
        { far: FAR },
      );
    },
    async after(page) {
      const records = await rawRecords(page);
      // Unreadable ones gone (or written anew, valid); the good parts kept; the page's own untouched.
      for (const key of ['leflux:sessionId', 'leflux:widget'] as const) {
        const raw = records[key];
        if (raw) expect(JSON.parse(raw)).toMatchObject({ v: 1 });
      }
      expect(JSON.parse(records['leflux:user'] ?? '{}').data).toMatchObject({ name: 'Ada' });
      expect(await page.evaluate(() => localStorage.getItem('site:own'))).toBe(
        'the page’s own record',
      );
      expect(await page.evaluate(() => window.LeFlux?.client.getState().user)).toEqual({
        name: 'Ada',
      });
    },
  },
  {
    name: 'corrupt IndexedDB records (wrong types, a 5 MB string)',
    async before(_context, page, chaos) {
      // A conversation of three good messages first, then bad rows beside them.
      await page.goto(`${chaos.url}/`);
      await clientReady(page);
      await sendAll(page, numbered('good', 3));
      await delivered(page);
      await page.evaluate(
        () =>
          new Promise<void>((resolve, reject) => {
            const open = indexedDB.open('leflux');
            open.onsuccess = () => {
              const tx = open.result.transaction('messages', 'readwrite');
              const store = tx.objectStore('messages');
              const at = Date.now();
              const base = {
                siteKey: 'demo',
                author: 'visitor',
                status: 'sent',
                order: [Infinity, 1, at],
              };
              store.put({ ...base, id: 'bad-types', text: 42, at: 'yesterday', seq: 'one' });
              store.put({
                ...base,
                id: 'bad-huge',
                text: 'x'.repeat(5 * 1024 * 1024),
                at,
                seq: 99,
              });
              store.put({ ...base, id: 'bad-author', text: 'who?', at, seq: 98, author: 'admin' });
              tx.oncomplete = () => {
                open.result.close();
                resolve();
              };
              tx.onerror = () => reject(tx.error);
            };
          }),
      );
    },
    async after(page) {
      const rows = await historyRows(page);
      expect(rows.map((r) => r.id)).not.toContain('bad-types');
      expect(rows.map((r) => r.id)).not.toContain('bad-huge');
      expect(rows.map((r) => r.id)).not.toContain('bad-author');
      expect(
        rows.filter((r) => typeof r.text === 'string' && r.text.startsWith('good-')),
      ).toHaveLength(3);
    },
  },
];

for (const breakage of BREAKAGES) {
  test(`scenario 7, ${breakage.name}: ${MESSAGES} messages, answered, 0 page errors`, async ({
    context,
    page,
  }) => {
    const chaos = await startChaosServer({
      agent: { reply: async ({ message }) => ({ text: `echo ${message.text}` }) },
    });
    try {
      const errors = pageErrors(page);
      await breakage.before(context, page, chaos);
      await page.goto(`${chaos.url}/`);
      await clientReady(page);
      const texts = numbered('broken', MESSAGES);
      await sendAll(page, texts);
      await delivered(page);
      // The chat works: every message answered, on screen.
      const dialog = page.getByRole('dialog', { name: 'LeFlux help' });
      await page.evaluate(() => window.LeFlux?.open());
      await expect(dialog.locator('[data-author="agent"] .bubble').last()).toHaveText(
        `echo ${texts[texts.length - 1]}`,
      );
      const sessions = [...new Set((await clientMessages(page)).map((m) => m.sessionId ?? ''))];
      const { stored, logged } = await serverTexts(chaos, sessions);
      const shown = (await shownVisitorTexts(page)).filter((t) => t.startsWith('broken-'));
      const counts = report(`7 ${breakage.name}`, {
        sent: texts.length,
        stored: stored.filter((t) => t.startsWith('broken-')).length,
        logged: logged.filter((t) => t.startsWith('broken-')).length,
        onScreen: shown.length,
        duplicates: duplicates(stored, logged, shown),
        pageErrors: errors.length,
        answers: (await clientMessages(page)).filter(
          (m) => m.author === 'agent' && m.text.startsWith('echo broken-'),
        ).length,
      });
      expect(stored.filter((t) => t.startsWith('broken-'))).toEqual(texts);
      expect(shown).toEqual(texts);
      expect(counts.answers).toBe(MESSAGES);
      expect(counts.duplicates).toBe(0);
      expect(errors).toEqual([]);
      await breakage.after?.(page);
    } finally {
      await chaos.close();
    }
  });
}

import type { Page } from '@playwright/test';
import { createMemorySessionStore } from '../src/server/stores/memory-store.js';
import type { SessionStore } from '../src/server/stores/session-store.js';
import { createTestServer, expect, storedMessages, test, widget } from './fixtures.js';

/**
 * Long conversations: a reload shows the latest messages at once and renders older ones as the
 * visitor scrolls up. Histories are seeded in the server's store (as the bench does) and reach
 * the browser through the public path: restore, then the IndexedDB cache.
 */

const COUNT = 1_000;
const id = (i: number) => `h-${i}`;

async function seededServer() {
  const store: SessionStore = createMemorySessionStore({ idleTtlMs: 30 * 60_000 });
  const server = await createTestServer({}, { store });
  const session = await store.sessions.create('demo');
  const start = Date.now() - COUNT * 1000;
  for (let i = 0; i < COUNT; i++) {
    await store.history.append(session.id, {
      id: id(i),
      author: i % 2 === 0 ? 'visitor' : 'agent',
      text: `message ${i}${i % 7 === 0 ? ' with a longer text that wraps onto a second line in the window' : ''}`,
      at: start + i * 1000,
    });
  }
  return { server, session };
}

/** The contract's `leflux:sessionId` and `leflux:widget` (open) records, as an earlier visit left them. */
async function storeSession(page: Page, url: string, session: { id: string; token: string }) {
  await page.goto(`${url}/healthz`);
  await page.evaluate((s) => {
    const now = Date.now();
    const expiresAt = now + 24 * 3_600_000;
    const record = (data: unknown) => JSON.stringify({ v: 1, expiresAt, data });
    localStorage.setItem(
      'leflux:sessionId',
      record({ id: s.id, token: s.token, siteKey: 'demo', savedAt: now }),
    );
    localStorage.setItem('leflux:widget', record({ open: true }));
  }, session);
}

/** Ids of the messages in the DOM, in order. */
const renderedIds = (page: Page) =>
  widget(page).messages.evaluateAll((els) =>
    els.map((el) => el.getAttribute('data-message-id') ?? ''),
  );

/** Where a message sits in the log's viewport (px from the log's top edge). */
const offsetInLog = (page: Page, messageId: string) =>
  widget(page).log.evaluate(
    (log, mid) =>
      (log.querySelector(`[data-message-id="${mid}"]`) as HTMLElement).getBoundingClientRect().top -
      log.getBoundingClientRect().top,
    messageId,
  );

/** Waits until the log has painted a frame (the widget scrolls to the newest in one). */
const frame = (page: Page) =>
  page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve))));

test('a 1,000-message conversation: the latest show at once after a reload, older ones as the visitor scrolls up, in place', async ({
  page,
}) => {
  const { server, session } = await seededServer();
  try {
    await storeSession(page, server.url, session);
    await page.goto(`${server.url}/`);
    const w = widget(page);
    // First visit on this browser: the history comes from the server, then lives in IndexedDB.
    await expect(w.log.locator(`[data-message-id="${id(COUNT - 1)}"]`)).toBeVisible();
    await expect.poll(async () => (await storedMessages(page)).length).toBe(COUNT);

    // Hold the restore: what shows now is the cache.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/api/session/*', async (route) => {
      await held;
      await route.continue();
    });
    await page.reload();
    await expect(w.log.locator(`[data-message-id="${id(COUNT - 1)}"]`)).toBeVisible();
    await frame(page);
    const first = await renderedIds(page);
    expect(first.length).toBeLessThan(200);
    expect(first.at(-1)).toBe(id(COUNT - 1));
    release();

    // Scroll up step by step: older messages appear above, the one read stays where it was.
    let ids = first;
    for (let step = 0; step < 40 && ids[0] !== id(0); step++) {
      const top = ids[0] as string;
      await w.log.evaluate((log) => {
        log.scrollTop = 0;
      });
      await expect.poll(async () => (await renderedIds(page))[0]).not.toBe(top);
      await frame(page);
      ids = await renderedIds(page);
      // The message that was at the top is still in view near the top, not pushed away.
      const offset = await offsetInLog(page, top);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(await w.log.evaluate((log) => log.clientHeight));
    }
    expect(ids[0]).toBe(id(0));
    // In order, each once, nothing skipped.
    expect(ids).toEqual(Array.from({ length: COUNT }, (_, i) => id(i)));
    await w.log.evaluate((log) => {
      log.scrollTop = 0;
    });
    await expect(w.log.locator(`[data-message-id="${id(0)}"]`)).toBeInViewport();

    // Back at the bottom, a new message shows there and the log follows it.
    await w.log.evaluate((log) => {
      log.scrollTop = log.scrollHeight;
    });
    await w.input.fill('still here after 1,000 messages');
    await w.input.press('Enter');
    const mine = w.visitorMessages.filter({ hasText: 'still here after 1,000 messages' });
    await expect(mine).toHaveAttribute('data-status', 'sent');
    const reply = w.messages.last();
    await expect(reply).toHaveAttribute('data-author', 'agent');
    await expect(reply).not.toHaveAttribute('data-message-id', /^h-/);
    await expect(reply).toBeInViewport();
    const following = await renderedIds(page);
    expect(following.length).toBeLessThanOrEqual(200);
    // Rows that went while following come back, in order, when the visitor reads up again.
    for (let step = 0; step < 3; step++) {
      const top = (await renderedIds(page))[0];
      await w.log.evaluate((log) => {
        log.scrollTop = 0;
      });
      await expect.poll(async () => (await renderedIds(page))[0]).not.toBe(top);
    }
    const again = await renderedIds(page);
    const firstSeeded = Number(again[0]?.slice(2));
    const seeded = again.filter((m) => m.startsWith('h-'));
    expect(seeded).toEqual(
      Array.from({ length: COUNT - firstSeeded }, (_, i) => id(firstSeeded + i)),
    );
    expect(again.slice(seeded.length)).toEqual(following.slice(-2));
  } finally {
    await server.close();
  }
});

test('a browser with the first release’s IndexedDB (version 1) keeps its cached conversation after the upgrade', async ({
  page,
}) => {
  const { server, session } = await seededServer();
  try {
    await storeSession(page, server.url, session);
    // What the first release stored: database version 1, store `messages`, one record per message.
    await page.evaluate(
      ({ sessionId, count }) =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('leflux', 1);
          open.onupgradeneeded = () => {
            open.result
              .createObjectStore('messages', { keyPath: 'id' })
              .createIndex('bySite', 'siteKey');
          };
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            const tx = db.transaction('messages', 'readwrite');
            const start = Date.now() - count * 1000;
            for (let i = 0; i < count; i++) {
              tx.objectStore('messages').put({
                id: `h-${i}`,
                author: i % 2 === 0 ? 'visitor' : 'agent',
                text: `cached ${i}`,
                at: start + i * 1000,
                seq: i + 1,
                siteKey: 'demo',
                status: 'sent',
                sessionId,
              });
            }
            tx.oncomplete = () => {
              db.close();
              resolve();
            };
          };
        }),
      { sessionId: session.id, count: COUNT },
    );
    // Never answered: everything on screen comes from the upgraded cache.
    await page.route('**/api/session/*', () => {});
    await page.goto(`${server.url}/`);
    const w = widget(page);
    await expect(w.log.locator(`[data-message-id="${id(COUNT - 1)}"]`)).toHaveText(
      `cached ${COUNT - 1}`,
    );
    const stored = await page.evaluate(
      () =>
        new Promise<{ version: number; count: number; withOrder: number }>((resolve) => {
          const open = indexedDB.open('leflux');
          open.onsuccess = () => {
            const db = open.result;
            const all = db.transaction('messages').objectStore('messages').getAll();
            all.onsuccess = () => {
              const rows = all.result as Array<{ order?: unknown }>;
              resolve({
                version: db.version,
                count: rows.length,
                withOrder: rows.filter((r) => Array.isArray(r.order)).length,
              });
              db.close();
            };
          };
        }),
    );
    expect(stored).toEqual({ version: 2, count: COUNT, withOrder: COUNT });
  } finally {
    await server.close();
  }
});

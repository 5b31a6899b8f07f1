import type { Page } from '@playwright/test';
import { createMemorySessionStore } from '../src/server/stores/memory-store.js';
import type { SessionStore } from '../src/server/stores/session-store.js';
import { createTestServer, expect, test, widget } from './fixtures.js';

/**
 * Long conversations. Histories are seeded in the server's store (as the bench does) and reach
 * the browser through the public path: restore, then the IndexedDB cache.
 */

const COUNT = 1_000;
const id = (i: number) => `h-${i}`;

async function seededServer() {
  const store: SessionStore = createMemorySessionStore({ idleTtlMs: 30 * 60_000 });
  const server = await createTestServer({}, { store });
  const session = await store.create('demo');
  const start = Date.now() - COUNT * 1000;
  for (let i = 0; i < COUNT; i++) {
    await store.appendMessage(session.id, {
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

import { expect, test } from '../fixtures.js';
import {
  clientMessages,
  clientReady,
  delivered,
  duplicates,
  FULL,
  form,
  freeze,
  numbered,
  pageErrors,
  report,
  sendAll,
  serverTexts,
  startChaosServer,
} from './chaos.js';

/** How long the page stays frozen: 2 min in the full form; a few seconds in the short one. */
const FROZEN_MS = form(5_000, 120_000);
const MISSED = 5;

test(`scenario 6: a page frozen for ${FROZEN_MS / 1000} s (CDP lifecycle "frozen", its script stopped), then resumed: it reconnects within 2 s and shows what it missed`, async ({
  page,
}) => {
  test.setTimeout(FROZEN_MS + 60_000);
  const chaos = await startChaosServer();
  try {
    const errors = pageErrors(page);
    const before = numbered('before', 3);
    await page.goto(`${chaos.url}/`);
    await clientReady(page);
    await sendAll(page, before);
    await delivered(page);
    const [{ sessionId = '' } = {}] = await clientMessages(page);
    const boundBefore = (await chaos.store.sessions.get(sessionId))?.boundSocket;
    const resume = await freeze(page);
    const frozenAt = Date.now();
    // The server no longer reaches the page: after socket.io's heartbeat gives up on it (25 s +
    // 20 s) in the full form; at once in the short one, which does not last that long.
    const wait = (ms: number) => new Promise((done) => setTimeout(done, ms));
    if (!FULL) await chaos.cut();
    await expect
      .poll(async () => (await chaos.store.sessions.get(sessionId))?.boundSocket, {
        timeout: form(5_000, 90_000),
        intervals: [250],
      })
      .toBeUndefined();
    // Operator messages while the page cannot run any script and has no connection: only the
    // replay after its reconnect can bring them.
    const missed = numbered('missed', MISSED);
    for (const text of missed) await chaos.server.post(sessionId, { text, name: 'Ada' });
    await wait(Math.max(0, frozenAt + FROZEN_MS - Date.now()));
    const resumedAt = Date.now();
    const frozenMs = resumedAt - frozenAt;
    await resume();
    const agentTexts = () =>
      page.evaluate(() =>
        (window.LeFlux?.client.getState().messages ?? [])
          .filter((m) => m.author === 'agent')
          .map((m) => m.text),
      );
    await expect.poll(agentTexts, { timeout: 10_000, intervals: [20] }).toEqual(missed);
    const missedShownMs = Date.now() - resumedAt;
    // Reconnected: a new socket of the page holds the session on the server.
    await expect
      .poll(async () => (await chaos.store.sessions.get(sessionId))?.boundSocket, {
        timeout: 10_000,
        intervals: [20],
      })
      .not.toBeUndefined();
    const reconnectedMs = Date.now() - resumedAt;
    expect((await chaos.store.sessions.get(sessionId))?.boundSocket).not.toBe(boundBefore);
    // On screen, as the visitor sees them.
    const dialog = page.getByRole('dialog', { name: 'LeFlux help' });
    await page.evaluate(() => window.LeFlux?.open());
    await expect(dialog.locator('[data-author="agent"] .bubble')).toHaveText(missed);
    // And the conversation goes on.
    const after = numbered('after', 2);
    await sendAll(page, after);
    await delivered(page);
    const { stored, logged } = await serverTexts(chaos, [sessionId]);
    const shown = await dialog.locator('[data-author="visitor"] .bubble').allInnerTexts();
    const counts = report('6 frozen page', {
      sent: before.length + after.length,
      stored: stored.length,
      logged: logged.length,
      onScreen: shown.length,
      duplicates: duplicates(stored, logged, shown),
      pageErrors: errors.length,
      'frozen ms': frozenMs,
      'missed messages shown': missed.length,
      'missed shown after (ms)': missedShownMs,
      'reconnected after (ms)': reconnectedMs,
    });
    expect(reconnectedMs).toBeLessThan(2_000);
    expect(missedShownMs).toBeLessThan(2_000);
    expect(stored).toEqual([...before, ...after]);
    expect(shown).toEqual([...before, ...after]);
    expect(counts.duplicates).toBe(0);
    expect(errors).toEqual([]);
  } finally {
    await chaos.close();
  }
});

import { expect, test } from '../fixtures.js';
import {
  clientReady,
  delivered,
  duplicates,
  form,
  numbered,
  pageErrors,
  random,
  report,
  sendAll,
  startChaosServer,
  visitorTexts,
} from './chaos.js';

const MESSAGES = form(60, 500);
const CUTS = form(4, 30);
/** Each cut lasts this long (ms), drawn at random. */
const CUT_MS = form([500, 1500], [500, 5000]) as [number, number];

test(`scenario 2: ${MESSAGES} messages through ${CUTS} network cuts (offline, and the engine closed by the server): 0 lost, 0 doubled`, async ({
  page,
  context,
}) => {
  test.setTimeout(form(60_000, 400_000));
  const chaos = await startChaosServer();
  try {
    const errors = pageErrors(page);
    const rng = random();
    const texts = numbered('cut', MESSAGES);
    const cuts = Array.from({ length: CUTS }, () => rng.between(...CUT_MS));
    const quiet = () => rng.between(200, 800);
    // Spread the messages over the cuts, so that they are written during cuts and between them.
    const total = cuts.reduce((sum, ms) => sum + ms + 500, 0);
    let sockets = 0;
    page.on('websocket', (ws) => {
      if (ws.url().includes('/socket.io/')) sockets++;
    });
    await page.goto(`${chaos.url}/`);
    await clientReady(page);
    const sending = sendAll(page, texts, Math.floor(total / MESSAGES));
    const kinds = { offline: 0, server: 0 };
    for (const [i, ms] of cuts.entries()) {
      await new Promise((done) => setTimeout(done, quiet()));
      if (i % 2 === 0) {
        kinds.offline++;
        await context.setOffline(true);
        await new Promise((done) => setTimeout(done, ms));
        await context.setOffline(false);
      } else {
        kinds.server++;
        await chaos.cut(ms);
      }
    }
    await sending;
    const lastCutEnded = Date.now();
    await delivered(page);
    const recoveredMs = Date.now() - lastCutEnded;
    const { stored, logged, shown } = await visitorTexts(chaos, page);
    const counts = report('2 network cuts', {
      sent: texts.length,
      stored: stored.length,
      logged: logged.length,
      onScreen: shown.length,
      duplicates: duplicates(stored, logged, shown),
      pageErrors: errors.length,
      'offline cuts': kinds.offline,
      'server cuts': kinds.server,
      'cut ms': cuts.reduce((a, b) => a + b, 0),
      'websockets opened': sockets,
      'delivered after the sends ended (ms)': recoveredMs,
      seed: rng.seed,
    });
    expect(stored).toEqual(texts);
    expect(logged).toEqual(texts);
    expect(shown).toEqual(texts);
    expect(counts.duplicates).toBe(0);
    expect(errors).toEqual([]);
  } finally {
    await chaos.close();
  }
});

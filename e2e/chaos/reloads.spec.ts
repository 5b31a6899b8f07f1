import { expect, test } from '../fixtures.js';
import {
  clientMessages,
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

const MESSAGES = form(40, 300);
const RELOADS = form(4, 20);

test(`scenario 1: ${MESSAGES} messages with ${RELOADS} random reloads mid-send arrive once each, in order`, async ({
  page,
}) => {
  test.setTimeout(form(60_000, 300_000));
  const chaos = await startChaosServer();
  try {
    const errors = pageErrors(page);
    const rng = random();
    const texts = numbered('reload', MESSAGES);
    // Reload right after these messages were stored locally: their delivery is under way.
    const reloadAfter = rng.picks(RELOADS, 1, MESSAGES - 1);
    await page.goto(`${chaos.url}/`);
    await clientReady(page);
    let from = 0;
    /** Messages still on their way when a reload cut in: the point of the scenario. */
    let inFlight = 0;
    for (const at of [...reloadAfter, MESSAGES]) {
      await sendAll(page, texts.slice(from, at));
      from = at;
      if (at === MESSAGES) break;
      inFlight += (await clientMessages(page)).filter((m) => m.status === 'pending').length;
      await page.reload();
      await clientReady(page);
    }
    await delivered(page);
    const { sessions, stored, logged, shown } = await visitorTexts(chaos, page);
    const counts = report('1 reloads', {
      sent: texts.length,
      stored: stored.length,
      logged: logged.length,
      onScreen: shown.length,
      duplicates: duplicates(stored, logged, shown),
      pageErrors: errors.length,
      reloads: reloadAfter.length,
      'pending at reload': inFlight,
      seed: rng.seed,
    });
    expect(sessions).toHaveLength(1);
    expect(stored).toEqual(texts);
    expect(logged).toEqual(texts);
    expect(shown).toEqual(texts);
    expect(counts.duplicates).toBe(0);
    expect(errors).toEqual([]);
  } finally {
    await chaos.close();
  }
});

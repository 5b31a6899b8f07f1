import type { SessionStore } from '../../src/server/stores/session-store.js';
import { expect, test } from '../fixtures.js';
import {
  type ChaosServer,
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

const DROPS = form(6, 50);
const MESSAGES = DROPS * 2;

/**
 * The store as the server sees it, except that once it has stored a chosen message the ack never
 * reaches the widget, in turns: every connection is cut (the widget reconnects, and the replay
 * after its last sequence brings the message back), or the server fails after storing and
 * answers `internal` (the widget sends the message again on the same socket).
 */
function droppingAcks(inner: SessionStore, drop: (seq: number) => boolean, cut: () => void) {
  const counted = { cut: 0, failed: 0, deduped: 0 };
  const store: SessionStore = {
    ...inner,
    history: {
      ...inner.history,
      async appendVisitor(sessionId, message, from) {
        const result = await inner.history.appendVisitor(sessionId, message, from);
        if (result.ok && result.duplicate) counted.deduped++;
        if (result.ok && !result.duplicate && drop(result.seq)) {
          if ((counted.cut + counted.failed) % 2 === 0) {
            counted.cut++;
            cut();
          } else {
            counted.failed++;
            throw new Error('chaos: failed after storing the message');
          }
        }
        return result;
      },
    },
  };
  return { store, counted };
}

test(`scenario 3: the ack lost after the server stored the message, ${DROPS} times: 0 duplicates`, async ({
  page,
}) => {
  test.setTimeout(form(60_000, 300_000));
  const rng = random();
  const chosen = new Set(rng.picks(DROPS, 1, MESSAGES));
  let chaos: ChaosServer | undefined;
  let dropping: ReturnType<typeof droppingAcks> | undefined;
  chaos = await startChaosServer({
    store: (inner) => {
      dropping = droppingAcks(
        inner,
        (seq) => chosen.has(seq),
        () => void chaos?.cut(),
      );
      return dropping.store;
    },
  });
  try {
    const errors = pageErrors(page);
    const texts = numbered('ack', MESSAGES);
    await page.goto(`${chaos.url}/`);
    await clientReady(page);
    await sendAll(page, texts);
    // Each failure after storing costs the widget its retry wait (3 s) before it sends again.
    await delivered(page, form(60_000, 240_000));
    const { stored, logged, shown } = await visitorTexts(chaos, page);
    const counts = report('3 lost acks', {
      sent: texts.length,
      stored: stored.length,
      logged: logged.length,
      onScreen: shown.length,
      duplicates: duplicates(stored, logged, shown),
      pageErrors: errors.length,
      'acks lost to a cut': dropping?.counted.cut ?? 0,
      'acks lost to a failure after storing': dropping?.counted.failed ?? 0,
      'resends the server recognised': dropping?.counted.deduped ?? 0,
      seed: rng.seed,
    });
    expect(
      Number(counts['acks lost to a cut']) + Number(counts['acks lost to a failure after storing']),
    ).toBe(DROPS);
    // Each failure made the widget send again, and the server kept the first copy.
    expect(counts['resends the server recognised']).toBeGreaterThanOrEqual(
      Number(counts['acks lost to a failure after storing']),
    );
    expect(stored).toEqual(texts);
    expect(logged).toEqual(texts);
    expect(shown).toEqual(texts);
    expect(counts.duplicates).toBe(0);
    expect(errors).toEqual([]);
  } finally {
    await chaos.close();
  }
});

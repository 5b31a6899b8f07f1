import type { Page } from '@playwright/test';
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
  startChaosServer,
  visitorTexts,
} from './chaos.js';

const PER_TAB = form(20, 100);
/** A slow server (each message takes this long to store): the outbox backs up, both tabs' messages wait in it. */
const STORE_MS = 60;

/**
 * Sends `texts` from `page`, logging each one the moment `send()` resolved (stored locally and
 * handed to the shared outbox): what the test counts as sent, even from a tab that crashes.
 */
function sendLogged(page: Page, texts: string[], gapMs: number): Promise<void> {
  return page.evaluate(
    async ({ texts, gapMs }) => {
      for (const text of texts) {
        await window.LeFlux?.send(text);
        console.log(`sent:${text}`);
        await new Promise((done) => setTimeout(done, gapMs));
      }
    },
    { texts, gapMs },
  );
}

test(`scenario 5: two tabs sending, one crashes mid-send: the survivor delivers the shared outbox, 0 lost`, async ({
  context,
}) => {
  test.setTimeout(form(60_000, 300_000));
  const chaos = await startChaosServer({
    store: (inner) => ({
      ...inner,
      history: {
        ...inner.history,
        async appendVisitor(...args) {
          await new Promise((done) => setTimeout(done, STORE_MS));
          return inner.history.appendVisitor(...args);
        },
      },
    }),
  });
  try {
    const rng = random();
    const a = await context.newPage();
    const errors = pageErrors(a);
    const sent: string[] = [];
    context.on('console', (message) => {
      const text = message.text();
      if (text.startsWith('sent:')) sent.push(text.slice('sent:'.length));
    });
    await a.goto(`${chaos.url}/`);
    await clientReady(a);
    const b = await context.newPage();
    await b.goto(`${chaos.url}/`);
    await clientReady(b);
    // A message from each, so that both follow the session before the burst.
    await a.evaluate(() => window.LeFlux?.send('a-first'));
    await b.evaluate(() => window.LeFlux?.send('b-first'));
    sent.push('a-first', 'b-first');
    await delivered(b);
    const sendingA = sendLogged(a, numbered('a', PER_TAB), 20).catch(() => 'crashed');
    const sendingB = sendLogged(b, numbered('b', PER_TAB), 20);
    // The tab that holds the socket (the last to send) is the one to crash: what it and the
    // other tab queued must be delivered by the survivor.
    await expect
      .poll(() => sent.filter((t) => t.startsWith('a-0')).length)
      .toBeGreaterThan(rng.between(2, PER_TAB / 2));
    const holder = (await a.evaluate(() => window.LeFlux?.client.getState().readOnly)) ? b : a;
    const survivor = holder === a ? b : a;
    const pendingAtCrash = (await clientMessages(survivor)).filter((m) => m.status === 'pending');
    const cdp = await context.newCDPSession(holder);
    void cdp.send('Page.crash').catch(() => undefined);
    await expect
      .poll(
        () =>
          holder.isClosed() ||
          holder
            .evaluate(() => 0)
            .then(
              () => false,
              () => true,
            ),
      )
      .toBe(true);
    if (holder === a) await sendingB;
    else await sendingA;
    await delivered(survivor);
    const { stored, logged, shown } = await visitorTexts(chaos, survivor);
    const counts = report('5 tab crash', {
      sent: sent.length,
      stored: stored.length,
      logged: logged.length,
      onScreen: shown.length,
      duplicates: duplicates(stored, logged, shown),
      pageErrors: errors.length,
      crashed: holder === a ? 'tab a' : 'tab b',
      'waiting in the shared outbox at the crash': pendingAtCrash.length,
      'of them written in the crashed tab': pendingAtCrash.filter((m) =>
        m.text.startsWith(holder === a ? 'a-' : 'b-'),
      ).length,
      seed: rng.seed,
    });
    expect(counts['of them written in the crashed tab']).toBeGreaterThan(0);
    // Every message a tab had handed over before the crash is delivered, once.
    expect(sent.filter((t) => !stored.includes(t))).toEqual([]);
    expect(sent.filter((t) => !shown.includes(t))).toEqual([]);
    expect(logged).toEqual(stored);
    expect(counts.duplicates).toBe(0);
    expect(errors).toEqual([]);
  } finally {
    await chaos.close();
  }
});

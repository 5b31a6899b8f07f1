import { API_KEY, backingMissing, startBacking, startCluster } from '../cluster.js';
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
  shownVisitorTexts,
} from './chaos.js';

const MESSAGES = form(80, 300);
const MISSED = 3;

const missing = backingMissing();
test.skip(missing !== undefined, `needs Redis and PostgreSQL: ${missing}`);

test(`scenario 4 (Redis + PostgreSQL, two nodes): the node a tab is on SIGKILLed mid-stream of ${MESSAGES} messages: 0 lost, 0 doubled, and the replies sent while it was down arrive after the reconnect`, async ({
  page,
}) => {
  test.setTimeout(form(120_000, 400_000));
  const backing = await startBacking();
  const cluster = await startCluster(backing, {
    // One visitor sending as fast as a script can: no limits.
    LEFLUX_LIMIT_MESSAGES: 'off',
    LEFLUX_LIMIT_SESSION_STARTS: 'off',
    LEFLUX_LIMIT_RESTORES: 'off',
    LEFLUX_LIMIT_MISSES: 'off',
  });
  try {
    const errors = pageErrors(page);
    const rng = random();
    const texts = numbered('node', MESSAGES);
    await page.goto(`${cluster.url}/`);
    await clientReady(page);
    // Fast, so that messages are in flight (stored, logged, acked or not) when the node dies.
    const sending = sendAll(page, texts, 5);
    await expect
      .poll(async () => (await clientMessages(page)).filter((m) => m.status === 'sent').length)
      .toBeGreaterThan(rng.between(5, MESSAGES / 3));
    const victim = await cluster.nodeWithSocket();
    const survivor = cluster.nodes.find((n) => n !== victim);
    const { id: sessionId } = await page.evaluate(
      () => JSON.parse(localStorage.getItem('leflux:sessionId') ?? 'null')?.data ?? {},
    );
    victim.kill('SIGKILL');
    expect(await victim.exited).toMatchObject({ signal: 'SIGKILL' });
    const ackedAtKill = (await clientMessages(page)).filter(
      (m) => m.author === 'visitor' && m.status === 'sent',
    ).length;
    // Replies while the tab has no connection: an operator, through the node still up.
    const missed = numbered('missed', MISSED);
    for (const text of missed) {
      const posted = await fetch(`${survivor?.url}/api/session/${sessionId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text, name: 'Ada' }),
      });
      expect(posted.status).toBe(201);
    }
    await sending;
    await delivered(page, 90_000);
    const logged = (await cluster.logRows(sessionId))
      .filter((r) => r.author === 'visitor')
      .map((r) => r.text);
    const restored = await page.evaluate(async (id) => {
      const record = JSON.parse(localStorage.getItem('leflux:sessionId') ?? 'null')?.data;
      const response = await fetch(`/api/session/${id}`, {
        method: 'POST',
        body: JSON.stringify({ token: record?.token }),
      });
      return ((await response.json()) as { history: Array<{ author: string; text: string }> })
        .history;
    }, sessionId);
    const stored = restored.filter((m) => m.author === 'visitor').map((m) => m.text);
    const shown = await shownVisitorTexts(page);
    const replies = (await clientMessages(page)).filter((m) => m.author === 'agent');
    const counts = report('4 node killed (Redis + PostgreSQL)', {
      sent: texts.length,
      stored: stored.length,
      logged: logged.length,
      onScreen: shown.length,
      duplicates: duplicates(stored, logged, shown),
      pageErrors: errors.length,
      'acked when the node died': ackedAtKill,
      'replies sent while it was down, shown': missed.filter((t) =>
        replies.some((m) => m.text === t),
      ).length,
      seed: rng.seed,
    });
    expect(stored).toEqual(texts);
    expect(logged).toEqual(texts);
    expect(shown).toEqual(texts);
    expect(counts.duplicates).toBe(0);
    expect(counts['replies sent while it was down, shown']).toBe(MISSED);
    expect(errors).toEqual([]);
  } finally {
    await cluster.close();
    await Promise.all([backing.redis.stop(), backing.postgres.stop()]);
  }
});

import type { Page } from '@playwright/test';
import { ADMIN_KEY, API_KEY, type Cluster } from './cluster.js';
import { clusterTest as test } from './cluster-test.js';
import { expect, openChat, say, storedMessages, widget } from './fixtures.js';

/**
 * Several nodes: two LeFlux nodes (real child processes of the server CLI) on one Redis
 * and one PostgreSQL, behind a round-robin TCP proxy with no sticky sessions. Pages and sockets
 * go through the proxy; `proxy.prefer(port)` puts a tab on a given node where a test needs it.
 */
/** The takeover notice as a visitor reads it. */
const notice = (page: Page) =>
  page.getByRole('status').filter({ hasText: 'another tab took over' });

/** The page's session record (`leflux:sessionId`), raw and parsed. */
async function sessionRecord(page: Page) {
  const raw = await page.evaluate(() => localStorage.getItem('leflux:sessionId'));
  if (!raw) throw new Error('no session record');
  return { raw, ...(JSON.parse(raw).data as { id: string; token: string }) };
}

/** Collects the client's `error` events in the page, from now on. */
async function recordErrors(page: Page): Promise<() => Promise<string[]>> {
  await page.waitForFunction(() => window.LeFlux !== undefined);
  await page.evaluate(() => {
    const errors: string[] = [];
    Object.assign(window, { lefluxErrors: errors });
    window.LeFlux?.on('error', (error) => errors.push(String((error as Error).message)));
  });
  return () => page.evaluate(() => (window as unknown as { lefluxErrors: string[] }).lefluxErrors);
}

/** What the tab shows, what it keeps in IndexedDB and what the log holds, by message id. */
async function threeViews(page: Page, cluster: Cluster, sessionId: string) {
  const shown = await widget(page).messages.evaluateAll((rows) =>
    rows.map((row) => ({
      id: row.getAttribute('data-message-id') ?? '',
      author: row.getAttribute('data-author') ?? '',
    })),
  );
  const stored = (await storedMessages(page)) as Array<{ id: string; status: string }>;
  const logged = await cluster.logRows(sessionId);
  return { shown, stored, logged };
}

test('tab A on node 1, tab B on node 2: B sends and A shows the takeover notice; a reload restores the whole history through either node; an operator message through node 2 reaches the tab on node 1; a purge on node 1 ends the session on node 2', async ({
  context,
  cluster,
}) => {
  const [one, two] = cluster.nodes;
  const { proxy } = cluster;
  /** Which node holds the browser's one socket (at most one: one per session). */
  const onlyOn = (node: typeof one) =>
    expect
      .poll(async () => [await one.sockets(), await two.sockets()])
      .toEqual(node === one ? [1, 0] : [0, 1]);
  const restores = async (node: typeof one) =>
    (await node.metric('leflux_restores_total{result="found"}')) ?? 0;

  // Tab A starts the conversation: its socket is on node 1.
  proxy.prefer(one.port);
  const a = await context.newPage();
  const wa = await openChat(a, `${cluster.url}/`);
  await say(a, 'hello from A');
  await expect(wa.agentMessages).toHaveCount(1);
  await onlyOn(one);
  const { id } = await sessionRecord(a);

  // Tab B loads (and connects nothing: A holds the socket), then sends: B takes the session,
  // on node 2, and A shows the notice.
  proxy.prefer(two.port);
  const b = await context.newPage();
  await b.goto(`${cluster.url}/pricing.html`);
  const wb = widget(b);
  // Open in A, so open here.
  await expect(wb.dialog).toBeVisible();
  await expect(wb.messages).toHaveCount(2);
  await expect(notice(a)).toHaveCount(0);
  await say(b, 'hello from B');
  await expect(notice(a)).toBeVisible();
  await expect(wb.agentMessages).toHaveCount(2);
  await onlyOn(two);
  await expect(wa.messages).toHaveCount(4);

  // A reload restores the whole history through node 2, then through node 1.
  const whole = ['hello from A', 'hello from B'];
  for (const [page, node] of [
    [a, two],
    [b, one],
  ] as const) {
    proxy.prefer(node.port);
    // New connections only: a load balancer would send these anywhere.
    proxy.cutAll();
    const before = await restores(node);
    await page.reload();
    const w = widget(page);
    await expect(w.messages).toHaveCount(4);
    await expect(w.visitorMessages).toHaveText(whole);
    // The cached conversation shows before the server's restore answer is counted.
    await expect.poll(() => restores(node)).toBeGreaterThan(before);
  }
  // B's reload let the socket go: A, next in line, took it, through node 1.
  await onlyOn(one);

  // An operator answers through node 2: the tab on node 1 shows it (and B, which follows A).
  const posted = await fetch(`${two.url}/api/session/${id}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'Ada from support here.', name: 'Ada' }),
  });
  expect(posted.status).toBe(201);
  for (const w of [wa, wb]) {
    const fromAda = w.agentMessages.filter({ hasText: 'Ada from support here.' });
    await expect(fromAda).toHaveCount(1);
    await expect(fromAda.locator('[data-part="author-name"]')).toHaveText('Ada');
  }

  // B sends again and holds the session on node 2; a purge through node 1 ends it there.
  proxy.prefer(two.port);
  await say(b, 'B again');
  await expect(wb.visitorMessages).toHaveCount(3);
  await onlyOn(two);
  const purged = await fetch(`${one.url}/api/session/${id}`, {
    method: 'DELETE',
    headers: { 'x-leflux-admin-key': ADMIN_KEY },
  });
  expect(purged.status).toBe(204);
  await expect(wb.log.getByText('Earlier conversation')).toBeVisible();
  await expect(wa.log.getByText('Earlier conversation')).toBeVisible();
  expect(await cluster.logRows(id)).toEqual([]);
});

test('SIGKILL the node a tab is on, mid-conversation: the tab reconnects through the proxy, and nothing is lost or doubled on screen, in IndexedDB or in the log', async ({
  page,
  cluster,
}) => {
  const w = await openChat(page, `${cluster.url}/`);
  const errors = await recordErrors(page);
  for (const [i, text] of ['first', 'second'].entries()) {
    await say(page, text);
    await expect(w.agentMessages).toHaveCount(i + 1);
  }
  const { id } = await sessionRecord(page);
  const victim = await cluster.nodeWithSocket();

  // Mid-conversation: a message just sent, acknowledged or not.
  await say(page, 'third');
  victim.kill('SIGKILL');
  expect(await victim.exited).toMatchObject({ signal: 'SIGKILL' });

  // The tab reconnects to the other node, delivers what was not acknowledged, goes on.
  await say(page, 'fourth');
  await expect(w.visitorMessages).toHaveText(['first', 'second', 'third', 'fourth']);
  const agentRow = w.agentMessages.last();
  await expect(agentRow).toBeVisible();
  await expect
    .poll(async () => (await storedMessages(page)).every((m) => m.status === 'sent'), {
      timeout: 10_000,
    })
    .toBe(true);
  // The answer to "fourth" (the node that died may have taken the answer to "third" with it).
  await expect
    .poll(async () => (await cluster.logRows(id)).filter((r) => r.author === 'agent').length)
    .toBeGreaterThanOrEqual(3);
  await expect
    .poll(async () => (await threeViews(page, cluster, id)).shown.length)
    .toBe((await cluster.logRows(id)).length);

  const { shown, stored, logged } = await threeViews(page, cluster, id);
  const ids = shown.map((m) => m.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(stored.map((m) => m.id).sort()).toEqual([...ids].sort());
  expect(logged.map((r) => r.message_id)).toEqual(ids);
  expect(logged.filter((r) => r.author === 'visitor').map((r) => r.text)).toEqual([
    'first',
    'second',
    'third',
    'fourth',
  ]);
  expect(await errors()).toEqual([]);
});

test('SIGTERM the node a tab is on: the tab moves to the other node within 5 s, with no error shown; the node exits within 10 s and the log keeps everything', async ({
  page,
  cluster,
}) => {
  const w = await openChat(page, `${cluster.url}/`);
  const errors = await recordErrors(page);
  await say(page, 'before the restart');
  await expect(w.agentMessages).toHaveCount(1);
  const { id } = await sessionRecord(page);
  const leaving = await cluster.nodeWithSocket();
  const staying = cluster.nodes.find((n) => n !== leaving);
  if (!staying) throw new Error('two nodes expected');

  const signalledAt = Date.now();
  leaving.kill('SIGTERM');
  await expect.poll(() => staying.sockets(), { timeout: 5_000, intervals: [50] }).toBe(1);
  const movedMs = Date.now() - signalledAt;
  test.info().annotations.push({ type: 'moved to the other node', description: `${movedMs} ms` });
  expect(movedMs).toBeLessThan(5_000);
  expect(await leaving.exited).toEqual({ code: 0, signal: null });
  expect(Date.now() - signalledAt).toBeLessThan(10_000);

  // Nothing was shown as an error: no error event, no system notice, no takeover notice, the
  // composer usable, every message sent.
  await say(page, 'after the restart');
  await expect(w.agentMessages).toHaveCount(2);
  expect(await errors()).toEqual([]);
  await expect(w.log.locator('[data-author="system"]')).toHaveCount(0);
  await expect(notice(page)).toHaveCount(0);
  await expect(w.input).toBeEnabled();
  expect((await storedMessages(page)).map((m) => m.status)).toEqual([
    'sent',
    'sent',
    'sent',
    'sent',
  ]);
  const { shown, logged } = await threeViews(page, cluster, id);
  expect(logged.map((r) => r.message_id)).toEqual(shown.map((m) => m.id));
  expect(logged.filter((r) => r.author === 'visitor').map((r) => r.text)).toEqual([
    'before the restart',
    'after the restart',
  ]);
});

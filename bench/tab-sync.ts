/**
 * Figure 5: a message sent in tab A (`window.LeFlux.send`) visible in tab B, two pages of one
 * context. Both pages timestamp with `performance.timeOrigin + performance.now()` (one clock).
 * Baseline: raw BroadcastChannel one-way latency between the same two pages.
 */
import type { Browser, Page } from '@playwright/test';
import { probedContext, probeState, storeSession } from './browser.js';
import type { BenchServer } from './server-process.js';
import { percentile, sleep } from './stats.js';

export interface OneWayResult {
  messages: number;
  /** Sent but never seen in the other tab. */
  missing: number;
  p50: number;
  p95: number;
  max: number;
}

export type TabSyncResult =
  | ({ available: true; visibility: string[] } & OneWayResult)
  | { available: false; reason: string };

const MARKER = 'bench-tab-';

const summary = (latencies: number[], sent: number): OneWayResult => ({
  messages: latencies.length,
  missing: sent - latencies.length,
  p50: percentile(latencies, 50),
  p95: percentile(latencies, 95),
  max: percentile(latencies, 100),
});

/** The restore answer has arrived (the `restore` event, or the response itself). */
async function restored(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      window.__leFluxBench?.restoredAt !== undefined ||
      performance
        .getEntriesByType('resource')
        .some((e) => new URL(e.name).pathname.startsWith('/api/session/')),
    undefined,
    { timeout: 30_000 },
  );
}

/** One-way BroadcastChannel latencies from A to B, `count` messages `gapMs` apart. */
async function channelLatency(a: Page, b: Page, count: number, gapMs: number): Promise<number[]> {
  await b.evaluate(() => {
    const received: number[] = [];
    const channel = new BroadcastChannel('leflux-bench');
    channel.onmessage = (event: MessageEvent<number>) => {
      received.push(performance.timeOrigin + performance.now() - event.data);
    };
    Object.assign(window, { __benchChannel: { channel, received } });
  });
  await a.evaluate(
    async ({ count, gapMs }) => {
      const channel = new BroadcastChannel('leflux-bench');
      for (let i = 0; i < count; i++) {
        channel.postMessage(performance.timeOrigin + performance.now());
        await new Promise((done) => setTimeout(done, gapMs));
      }
      channel.close();
    },
    { count, gapMs },
  );
  await sleep(200);
  const received = await b.evaluate(() => {
    const { channel, received } = (
      window as unknown as { __benchChannel: { channel: BroadcastChannel; received: number[] } }
    ).__benchChannel;
    channel.close();
    return received;
  });
  return received;
}

/** Sends from A in-page, `gapMs` apart; returns each message's send time (epoch ms) by n. */
function sendFromA(a: Page, from: number, count: number, gapMs: number): Promise<number[]> {
  return a.evaluate(
    async ({ from, count, gapMs, marker }) => {
      const sentAt: number[] = [];
      for (let n = from; n < from + count; n++) {
        sentAt.push(performance.timeOrigin + performance.now());
        const api = (window as unknown as { LeFlux: { send(text: string): Promise<unknown> } })
          .LeFlux;
        await api.send(`${marker}${n} hello from tab A`);
        await new Promise((done) => setTimeout(done, gapMs));
      }
      return sentAt;
    },
    { from, count, gapMs, marker: MARKER },
  );
}

export async function measureTabs(
  browser: Browser,
  server: BenchServer,
  count: number,
): Promise<{ channel: OneWayResult; tabs: TabSyncResult }> {
  const [session] = await server.seed({ siteKey: 'bench', sessions: 1, messages: 20, prefix: 't' });
  if (!session) throw new Error('seeding failed');
  const context = await probedContext(browser, { markerPrefix: MARKER });
  try {
    const a = await context.newPage();
    await storeSession(a, server.url, { ...session, siteKey: 'bench' });
    await a.goto(`${server.url}/widget.html`);
    await restored(a);
    const b = await context.newPage();
    await b.goto(`${server.url}/widget.html`);
    await restored(b);
    const visibility = await Promise.all(
      [a, b].map((p) => p.evaluate(() => document.visibilityState)),
    );

    // Does a message sent in A show in B at all? Tab sync may not have landed yet.
    await sendFromA(a, 0, 1, 0);
    const probeUntil = performance.now() + 3000;
    while ((await probeState(b)).marks['0'] === undefined && performance.now() < probeUntil) {
      await sleep(50);
    }
    const synced = (await probeState(b)).marks['0'] !== undefined;

    // Rounds alternate with the baseline, so both meet the same background load.
    const rounds = 5;
    const perRound = Math.ceil(count / rounds);
    const channelLatencies: number[] = [];
    const tabLatencies: number[] = [];
    let next = 1;
    for (let round = 0; round < rounds; round++) {
      channelLatencies.push(...(await channelLatency(a, b, perRound, 5)));
      if (!synced) continue;
      const from = next;
      next += perRound;
      const sentAt = await sendFromA(a, from, perRound, 10);
      const until = performance.now() + 10_000;
      let marks = (await probeState(b)).marks;
      while (!sentAt.every((_, i) => marks[String(from + i)] !== undefined)) {
        if (performance.now() > until) break;
        await sleep(100);
        marks = (await probeState(b)).marks;
      }
      sentAt.forEach((at, i) => {
        const seen = marks[String(from + i)];
        if (seen !== undefined) tabLatencies.push(seen - at);
      });
    }
    const sent = rounds * perRound;
    const channel = summary(channelLatencies, sent);
    if (!synced) {
      return {
        channel,
        tabs: {
          available: false,
          reason: 'a message sent in tab A did not show in tab B within 3 s (tab sync not landed)',
        },
      };
    }
    return { channel, tabs: { available: true, visibility, ...summary(tabLatencies, sent) } };
  } finally {
    await context.close();
  }
}

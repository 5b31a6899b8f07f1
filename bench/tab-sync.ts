/**
 * Figure 5: a message sent in tab A (`window.LeFlux.send`) visible in tab B, two pages of one
 * context. Both pages timestamp with `performance.timeOrigin + performance.now()` (one clock).
 * Baseline: raw BroadcastChannel one-way latency between the same two pages.
 * Beside it, what functional tests must not assert: how soon a sent message shows in its own
 * tab, how soon the agent's answer shows, and how soon another tab holds the socket when the tab
 * holding it closes (the product's rule: within 1 s).
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

export interface ChatLatencies {
  /** `LeFlux.send` -> the message in the sending tab's log. */
  ownTab: OneWayResult;
  /** `LeFlux.send` -> the agent's answer in the sending tab's log (the bench server's agent). */
  answer: OneWayResult;
  /** The tab holding the socket closes -> the next tab's `session_init` is answered. */
  handover: OneWayResult;
}

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

/** In page: sends `rounds` messages one at a time; for each, ms until an agent answer shows. */
function answerLatency(page: Page, rounds: number): Promise<number[]> {
  return page.evaluate(async (rounds) => {
    const root = document.querySelector('leflux-widget')?.shadowRoot;
    const api = (window as unknown as { LeFlux: { send(text: string): Promise<unknown> } }).LeFlux;
    const latencies: number[] = [];
    for (let i = 0; i < rounds && root; i++) {
      const answered = new Promise<number>((resolve) => {
        const observer = new MutationObserver((records) => {
          for (const record of records) {
            for (const node of record.addedNodes) {
              if (!(node instanceof Element)) continue;
              if (
                node.matches('[data-author="agent"]') ||
                node.querySelector('[data-author="agent"]')
              ) {
                observer.disconnect();
                resolve(performance.now());
                return;
              }
            }
          }
        });
        observer.observe(root, { childList: true, subtree: true });
      });
      const sentAt = performance.now();
      await api.send(`what are your hours? (${i})`);
      latencies.push((await answered) - sentAt);
    }
    return latencies;
  }, rounds);
}

/**
 * Closes the tab holding the socket `rounds` times; each time, ms until the tab that follows has
 * its `session_init` answered on a socket of its own. A new follower is opened for the next round.
 */
async function handoverLatency(
  holder: Page,
  follower: Page,
  url: string,
  rounds: number,
): Promise<number[]> {
  const latencies: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const bound = new Promise<number>((resolve) => {
      follower.on('websocket', (ws) =>
        ws.on('framereceived', ({ payload }) => {
          const frame = String(payload);
          if (/^43\d+\[/.test(frame) && frame.includes('"sessionId"')) resolve(Date.now());
        }),
      );
    });
    const closedAt = Date.now();
    await holder.close({ runBeforeUnload: true });
    const at = await Promise.race([bound, sleep(10_000).then(() => undefined)]);
    if (at === undefined) break;
    latencies.push(at - closedAt);
    holder = follower;
    follower = await holder.context().newPage();
    await follower.goto(url);
    await restored(follower);
  }
  return latencies;
}

export async function measureTabs(
  browser: Browser,
  server: BenchServer,
  count: number,
): Promise<{ channel: OneWayResult; tabs: TabSyncResult; chat: ChatLatencies }> {
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
    const answers = await answerLatency(a, 20);

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
    const ownLatencies: number[] = [];
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
      const own = (await probeState(a)).marks;
      sentAt.forEach((at, i) => {
        const seen = own[String(from + i)];
        if (seen !== undefined) ownLatencies.push(seen - at);
      });
    }
    const handovers = await handoverLatency(a, b, `${server.url}/widget.html`, 10);
    const chat: ChatLatencies = {
      ownTab: summary(ownLatencies, rounds * perRound),
      answer: summary(answers, 20),
      handover: summary(handovers, 10),
    };
    const sent = rounds * perRound;
    const channel = summary(channelLatencies, sent);
    if (!synced) {
      return {
        channel,
        chat,
        tabs: {
          available: false,
          reason: 'a message sent in tab A did not show in tab B within 3 s (tab sync not landed)',
        },
      };
    }
    return {
      channel,
      chat,
      tabs: { available: true, visibility, ...summary(tabLatencies, sent) },
    };
  } finally {
    await context.close();
  }
}

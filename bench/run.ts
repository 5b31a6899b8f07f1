/**
 * `npm run bench` (after `npm run build`): measures every figure of issue 6 against a baseline
 * measured in the same run, prints one table and writes bench/results.json.
 * `tsx bench/run.ts bytes throughput idle restore load tabs` runs only the named groups.
 */
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from '@playwright/test';
import { startPostgres } from '../src/server/testing/postgres-server.js';
import { startRedis } from '../src/server/testing/redis-server.js';
import { launchChromium } from './browser.js';
import {
  dependencyFloorBytes,
  launcherFloorBytes,
  measureBeforeLauncher,
  widgetGzipBytes,
} from './bundle-bytes.js';
import { measureIdle } from './idle-sessions.js';
import { formatTable, type Row, writeResults } from './report.js';
import { measureRestore } from './restore-latency.js';
import { measureRollingRestart, ROLLING_DEFAULTS } from './rolling-restart.js';
import { type BenchServer, spawnBenchServer } from './server-process.js';
import { measureRedisThroughput, measureThroughput } from './server-throughput.js';
import { median } from './stats.js';
import { measureTabs } from './tab-sync.js';
import { measureWidgetLoad, openBlankPage } from './widget-load.js';

const here = dirname(fileURLToPath(import.meta.url));
const GROUPS = ['bytes', 'throughput', 'idle', 'restore', 'nodes', 'load', 'tabs'] as const;
type Group = (typeof GROUPS)[number];

const asked = process.argv.slice(2);
for (const name of asked) {
  if (!(GROUPS as readonly string[]).includes(name)) {
    console.error(`unknown figure group "${name}"; choose from ${GROUPS.join(', ')}`);
    process.exit(2);
  }
}
const wanted = (group: Group) => asked.length === 0 || asked.includes(group);

/** Sessions held idle. 10,000 sockets from one load generator fit this 2-core machine (~10 s). */
const IDLE_SESSIONS = 10_000;
/** Reloads per history size: on this machine one reload varies by +-15 ms, so the p50 needs 20. */
const RELOADS = 20;
const TAB_MESSAGES = 500;
const LOAD_SIZES = [200, 1000, 10_000] as const;
const LOAD_TARGETS: Record<number, number> = { 1000: 40, 10000: 80 };

const rows: Row[] = [];
// Other work on the machine skews latencies; the load average says how busy it was.
const loadAtStart = loadavg();
const details: Record<string, unknown> = {
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  loadAverageAtStart: loadAtStart,
};
let failed = false;

const progress = (message: string) => console.error(`[bench] ${message}`);
const KB = (bytes: number) => bytes / 1024;

/** Runs one group; a failure becomes a row saying so and a non-zero exit, not a lost run. */
async function group(name: Group, work: () => Promise<void>): Promise<void> {
  if (!wanted(name)) return;
  const t0 = performance.now();
  progress(`${name}…`);
  try {
    await work();
  } catch (error) {
    failed = true;
    progress(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
    rows.push({
      figure: `${name}: failed`,
      value: null,
      unit: 'ms',
      baseline: null,
      ratioAs: 'times',
      note: `error: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    });
  }
  progress(`${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

await group('bytes', async () => {
  const [widget, floor] = [widgetGzipBytes(), await dependencyFloorBytes()];
  details.bytes = { widgetGzip: widget, dependencyFloorGzip: floor };
  rows.push({
    figure: `widget gzip total (${widget.files} files)`,
    value: KB(widget.total),
    unit: 'KB',
    target: { op: '<=', value: 24, unit: 'KB' },
    baseline: { label: 'deps floor min+gzip', value: KB(floor) },
    ratioAs: 'times',
    note: 'preact+hooks, socket.io-client, idb, nanoid bundled alone',
  });
});

await group('restore', async () => {
  const { leflux: ours, floor } = await measureRestore();
  details.restore = { floor, leflux: ours };
  const note = `${ours.requests} reqs @ ${Math.round(ours.achievedRate)}/s, ${KB(ours.bodyBytes).toFixed(0)} KB body, ${ours.errors} errors`;
  const cpu = `server CPU/req ${ours.cpuMsPerRequest.toFixed(2)} ms (floor ${floor.cpuMsPerRequest.toFixed(2)} ms)`;
  rows.push(
    {
      figure: 'restore POST p50 (200 msgs)',
      value: ours.p50,
      unit: 'ms',
      baseline: { label: 'bare node:http p50', value: floor.p50 },
      ratioAs: 'times',
      note,
    },
    {
      figure: 'restore POST p99 (200 msgs)',
      value: ours.p99,
      unit: 'ms',
      target: { op: '<=', value: 10, unit: 'ms' },
      baseline: { label: 'bare node:http p99', value: floor.p99 },
      ratioAs: 'times',
      note: cpu,
    },
  );
});

await group('throughput', async () => {
  const { echo, ackReply, gateway, ack } = await measureThroughput();
  details.throughput = { echo, ackReply, gateway, ack };
  rows.push(
    {
      figure: 'server msgs per CPU-s (100 conns)',
      value: gateway.perCpuSecond,
      unit: 'msg/CPU-s',
      target: { op: '>=', value: 70, unit: '% of baseline' },
      baseline: { label: 'bare socket.io echo', value: echo.perCpuSecond },
      ratioAs: 'percent',
      note: `${gateway.messages} msgs in ${gateway.cpuSeconds.toFixed(2)} CPU-s; echo ${echo.messages} in ${echo.cpuSeconds.toFixed(2)}`,
    },
    {
      // The protocol's own ceiling: an ack and an agent_message out per message, no work.
      figure: 'bare ack + reply msgs per CPU-s',
      value: ackReply.perCpuSecond,
      unit: 'msg/CPU-s',
      baseline: { label: 'bare socket.io echo', value: echo.perCpuSecond },
      ratioAs: 'percent',
      note: `LeFlux is ${((gateway.perCpuSecond / ackReply.perCpuSecond) * 100).toFixed(0)}% of this`,
    },
    {
      // Not a target: what the wait for the log row costs a visitor on a quiet server.
      figure: 'visitor message ack p50 (1 client, quiet)',
      value: ack.gateway.p50,
      unit: 'ms',
      baseline: { label: 'bare ack + reply p50', value: ack.ackReply.p50 },
      ratioAs: 'times',
      note: `p99 ${ack.gateway.p99.toFixed(1)} ms (bare ${ack.ackReply.p99.toFixed(1)}); the ack waits for the message's log row`,
    },
  );
});

await group('idle', async () => {
  const bare = await measureIdle('echo', IDLE_SESSIONS);
  const ours = await measureIdle('leflux', IDLE_SESSIONS);
  details.idle = { bare, leflux: ours };
  rows.push({
    figure: `RSS per idle session (${IDLE_SESSIONS.toLocaleString('en-US')})`,
    value: KB(ours.rssPerSession),
    unit: 'KB',
    target: { op: '<=', value: 20, unit: 'KB' },
    baseline: { label: 'bare socket.io conn', value: KB(bare.rssPerSession) },
    ratioAs: 'times',
    note: 'each a connected socket + session_init (session in store, bound)',
  });
});

await group('nodes', async () => {
  // Several nodes run on Redis and PostgreSQL: the bench starts its own, on loopback.
  const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  try {
    const backing = { redisUrl: redis.url, databaseUrl: () => postgres.createDatabase() };
    progress('nodes: restore, memory store and Redis store in alternating rounds');
    const restore = await measureRestore(undefined, redis.url);
    progress('nodes: throughput on Redis');
    const throughput = await measureRedisThroughput(backing);
    progress('nodes: idle sessions on Redis');
    const bare = await measureIdle('echo', IDLE_SESSIONS);
    const idle = await measureIdle('leflux', IDLE_SESSIONS, {
      redisUrl: redis.url,
      redisPrefix: 'bench-idle:',
    });
    progress(`nodes: rolling restart, ${ROLLING_DEFAULTS.clients} clients`);
    const rolling = await measureRollingRestart(backing);
    details.nodes = { restore, throughput, idle: { bare, redis: idle }, rolling };
    const onRedis = restore.redis;
    rows.push(
      {
        figure: 'rolling restart 2 nodes: sessions kept',
        value: (rolling.sessionsKept / rolling.clients) * 100,
        unit: '%',
        target: { op: '>=', value: 100, unit: '%' },
        baseline: null,
        ratioAs: 'percent',
        note: `${rolling.clients} clients sending; ${rolling.reconnects} reconnects; drains ${rolling.drainMs.map((ms) => ms.toFixed(0)).join(' / ')} ms`,
      },
      {
        figure: 'rolling restart 2 nodes: messages lost',
        value: rolling.messagesLost,
        unit: 'msgs',
        target: { op: '<=', value: 0, unit: 'msgs' },
        baseline: null,
        ratioAs: 'times',
        note: `${rolling.messagesSent} sent, ${rolling.messagesDoubled} doubled, ${rolling.unacked} unacked at the end`,
      },
      {
        figure: 'Redis: server msgs per CPU-s (100 conns)',
        value: throughput.gateway.perCpuSecond,
        unit: 'msg/CPU-s',
        target: { op: '>=', value: 50, unit: '% of baseline' },
        baseline: {
          label: 'bare ack+reply, same adapter',
          value: throughput.ackReply.perCpuSecond,
        },
        ratioAs: 'percent',
        note: `PostgreSQL log; ${throughput.gateway.messages} msgs in ${throughput.gateway.cpuSeconds.toFixed(2)} CPU-s`,
      },
      {
        figure: `Redis: RSS per idle session (${IDLE_SESSIONS.toLocaleString('en-US')})`,
        value: KB(idle.rssPerSession),
        unit: 'KB',
        target: { op: '<=', value: 20, unit: 'KB' },
        baseline: { label: 'bare socket.io conn', value: KB(bare.rssPerSession) },
        ratioAs: 'times',
        note: 'the node only: sessions live in Redis',
      },
      {
        figure: 'Redis: restore POST p99 (200 msgs)',
        value: onRedis?.p99 ?? null,
        unit: 'ms',
        target: { op: '<=', value: 150, unit: '% of baseline' },
        baseline: { label: 'memory store p99', value: restore.leflux.p99 },
        ratioAs: 'percent',
        note: onRedis
          ? `p50 ${onRedis.p50.toFixed(2)} ms (memory ${restore.leflux.p50.toFixed(2)}); CPU/req ${onRedis.cpuMsPerRequest.toFixed(2)} ms (memory ${restore.leflux.cpuMsPerRequest.toFixed(2)}); ${onRedis.errors} errors`
          : 'n/a',
      },
    );
  } finally {
    await Promise.all([redis.stop(), postgres.stop()]);
  }
});

if (wanted('load') || wanted('tabs') || wanted('bytes')) {
  let server: BenchServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await spawnBenchServer({ kind: 'leflux', demoDir: join(here, 'pages') });
    browser = await launchChromium();
    const [s, b] = [server, browser];

    await group('bytes', async () => {
      const [before, floor] = [await measureBeforeLauncher(b, s.url), await launcherFloorBytes()];
      details.beforeLauncher = { ...before, launcherFloorGzip: floor };
      rows.push({
        figure: 'scripts before launcher (gzip)',
        value: KB(before.gzipBytes),
        unit: 'KB',
        target: { op: '<=', value: 12, unit: 'KB' },
        baseline: { label: 'preact+hooks min+gzip', value: KB(floor) },
        ratioAs: 'times',
        note: `${before.scripts.length} script(s), ${KB(before.transferBytes).toFixed(1)} KB as the server sent them (brotli)`,
      });
    });

    await group('load', async () => {
      const blankPage = await openBlankPage(b, s.url);
      const results = [];
      try {
        for (const size of LOAD_SIZES) {
          progress(`load: ${size} messages`);
          const interaction = size === 200 || size === 10_000;
          results.push(
            await measureWidgetLoad(b, s, size, {
              reloads: RELOADS,
              interaction,
              blank: blankPage,
            }),
          );
        }
      } finally {
        await blankPage.close();
      }
      // Sampled beside every widget reload, so both met the same background load.
      const blank = median(blankPage.samples);
      for (const result of results) {
        const size = result.messages;
        const target = LOAD_TARGETS[size];
        rows.push({
          figure: `reload -> ${size.toLocaleString('en-US')} msgs on screen p50`,
          value: result.scriptToScreenP50,
          unit: 'ms',
          ...(target ? { target: { op: '<=' as const, value: target, unit: 'ms' as const } } : {}),
          baseline: { label: 'no-widget page DCL', value: blank },
          ratioAs: 'times',
          note: `from widget.js responseEnd; DCL->screen ${result.dclToScreenP50.toFixed(0)} ms`,
        });
      }
      details.load = { blankDomContentLoadedP50: blank, results };
      const small = results.find((r) => r.messages === 200);
      const large = results.find((r) => r.messages === 10_000);
      if (small && large) {
        rows.push(
          {
            figure: 'long tasks per reload, 10,000 msgs (p50)',
            value: large.longTasksP50,
            unit: 'tasks',
            baseline: { label: '200 msgs', value: small.longTasksP50 },
            ratioAs: 'times',
            note: `longest ${large.longestTask.toFixed(0)} ms (200 msgs: ${small.longestTask.toFixed(0)} ms)`,
          },
          {
            figure: 'long tasks typing 20 msgs + scroll, 10,000',
            value: large.interaction?.longTasks ?? null,
            unit: 'tasks',
            target: { op: '<=', value: 0, unit: 'tasks' },
            baseline: { label: '200 msgs', value: small.interaction?.longTasks ?? null },
            ratioAs: 'times',
            note: `longest ${large.interaction?.longestTask.toFixed(0)} ms (200 msgs: ${small.interaction?.longestTask.toFixed(0)} ms)`,
          },
        );
      }
    });

    await group('tabs', async () => {
      const { channel, tabs, chat } = await measureTabs(b, s, TAB_MESSAGES);
      details.tabs = { channel, tabs, chat };
      const na = tabs.available ? undefined : 'n/a (tab sync not landed)';
      rows.push(
        {
          figure: `tab A -> tab B p50 (${TAB_MESSAGES} msgs)`,
          value: tabs.available ? tabs.p50 : null,
          unit: 'ms',
          baseline: { label: 'BroadcastChannel p50', value: channel.p50 },
          ratioAs: 'times',
          note:
            na ??
            `missing ${tabs.available ? tabs.missing : 0}, max ${tabs.available ? tabs.max.toFixed(0) : 0} ms`,
        },
        {
          figure: `tab A -> tab B p95 (${TAB_MESSAGES} msgs)`,
          value: tabs.available ? tabs.p95 : null,
          unit: 'ms',
          target: { op: '<=', value: 5, unit: 'ms' },
          baseline: { label: 'BroadcastChannel p95', value: channel.p95 },
          ratioAs: 'times',
          ...(na ? { note: na } : {}),
        },
        {
          figure: `send -> own tab p95 (${chat.ownTab.messages} msgs)`,
          value: chat.ownTab.messages > 0 ? chat.ownTab.p95 : null,
          unit: 'ms',
          baseline: { label: 'BroadcastChannel p95', value: channel.p95 },
          ratioAs: 'times',
          note: `p50 ${chat.ownTab.p50.toFixed(1)} ms, max ${chat.ownTab.max.toFixed(0)} ms`,
        },
        {
          figure: `send -> agent answer p95 (${chat.answer.messages} msgs)`,
          value: chat.answer.messages > 0 ? chat.answer.p95 : null,
          unit: 'ms',
          baseline: null,
          ratioAs: 'times',
          note: `p50 ${chat.answer.p50.toFixed(1)} ms; the demo agent over the real server`,
        },
        {
          figure: 'holder tab closes -> next tab bound, max',
          value: chat.handover.messages > 0 ? chat.handover.max : null,
          unit: 'ms',
          target: { op: '<=', value: 1_000, unit: 'ms' },
          baseline: null,
          ratioAs: 'times',
          note:
            chat.handover.messages > 0
              ? `${chat.handover.messages} handovers, p50 ${chat.handover.p50.toFixed(0)} ms`
              : 'n/a: no tab took the socket over (the second tab held it from its load)',
        },
      );
    });
  } catch (error) {
    failed = true;
    progress(`browser figures failed: ${error instanceof Error ? error.stack : error}`);
  } finally {
    if (browser) details.chromium = browser.version();
    await browser?.close();
    await server?.close();
  }
}

const loadAtEnd = loadavg();
details.loadAverageAtEnd = loadAtEnd;
const resultsFile = join(here, 'results.json');
writeResults(resultsFile, rows, details);
const load = (l: number[]) => l.map((n) => n.toFixed(1)).join(' ');
const busiest = Math.max(loadAtStart[0]!, loadAtEnd[0]!);
console.log(formatTable(rows));
console.log(
  `\n${cpus().length} CPUs; load average ${load(loadAtStart)} at start, ${load(loadAtEnd)} at end. Written ${resultsFile}`,
);
if (busiest > cpus().length) {
  console.log(
    `The machine was busy (load average up to ${busiest.toFixed(1)}): latencies are inflated, CPU-time and memory figures less so.`,
  );
}
if (failed) process.exit(1);

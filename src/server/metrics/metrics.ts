import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../logger.js';

/**
 * What a LeFlux node counts for Prometheus, and the hooks the services call. One instance per
 * server, on its own `Registry` (never prom-client's global one), so several servers in one
 * process (tests, a host app) never mix their numbers.
 *
 * | metric | type | meaning |
 * |---|---|---|
 * | `leflux_live_sessions` | gauge | live sessions in the session store (all nodes share it) |
 * | `leflux_sockets` | gauge | widget sockets connected to this node |
 * | `leflux_messages_total{direction="in"\|"out"}` | counter | visitor messages accepted / messages sent to visitors |
 * | `leflux_agent_latency_seconds` | histogram | visitor message -> the agent's answer |
 * | `leflux_restores_total{result="found"\|"not_found"}` | counter | restore requests answered |
 * | `leflux_evictions_total` | counter | idle sessions evicted by this node's sweeper |
 * | `leflux_takeovers_total` | counter | sessions a newer tab took over |
 * | `leflux_errors_total{code}` | counter | errors answered to clients, by their stable code |
 *
 * Gauges read from a source (`countLiveSessions`, `countSockets`) appear once a source is set.
 */
export interface Metrics {
  readonly registry: Registry;
  /** A visitor message was accepted (a resend the store deduplicated does not count). */
  messageIn(): void;
  /** A message went to a visitor: agent, operator or system. */
  messageOut(): void;
  /** The agent answered a visitor message after `ms` milliseconds. */
  agentAnswered(ms: number): void;
  /** A restore was answered: with the session (`true`) or 404 (`false`). */
  restored(found: boolean): void;
  /** `count` idle sessions were evicted. */
  evicted(count?: number): void;
  /** A newer socket took a session over from an older one. */
  tookOver(): void;
  /** An error was answered to a client (socket ack or HTTP) with this stable code. */
  error(code: string): void;
  /** Where `leflux_live_sessions` is read from at each scrape (the session store's count). */
  countLiveSessions(source: () => number | Promise<number>): void;
  /** Where `leflux_sockets` is read from at each scrape. */
  countSockets(source: () => number): void;
}

export interface MetricsOptions {
  /**
   * Also collect prom-client's process metrics (CPU, memory, event loop lag, GC, handles),
   * under their standard names. Default false: only when the metrics are served.
   */
  processMetrics?: boolean;
  /** Where a failing source is reported. */
  logger?: Logger;
}

/** Codes are ours and few; anything else is counted as `other`, so labels stay bounded. */
const CODE_LABEL = /^[a-z][a-z0-9_]{0,47}$/;

/**
 * @example
 * const metrics = createMetrics({ processMetrics: true });
 * metrics.messageIn();
 * const text = await metrics.registry.metrics(); // Prometheus text format
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const messages = new Counter({
    name: 'leflux_messages_total',
    help: 'Visitor messages accepted (direction="in") and messages sent to visitors (direction="out").',
    labelNames: ['direction'] as const,
    registers,
  });
  const agentLatency = new Histogram({
    name: 'leflux_agent_latency_seconds',
    help: "Time from a visitor's message to the agent's answer.",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
    registers,
  });
  const restores = new Counter({
    name: 'leflux_restores_total',
    help: 'Restore requests answered, with the session (result="found") or 404 (result="not_found").',
    labelNames: ['result'] as const,
    registers,
  });
  const evictions = new Counter({
    name: 'leflux_evictions_total',
    help: "Idle sessions evicted by this node's sweeper.",
    registers,
  });
  const takeovers = new Counter({
    name: 'leflux_takeovers_total',
    help: 'Sessions a newer socket took over from an older one.',
    registers,
  });
  const errors = new Counter({
    name: 'leflux_errors_total',
    help: 'Errors answered to clients (socket acks and HTTP), by stable code.',
    labelNames: ['code'] as const,
    registers,
  });
  // Zero rows up front, so a rate() over them has a series before the first event.
  messages.inc({ direction: 'in' }, 0);
  messages.inc({ direction: 'out' }, 0);
  restores.inc({ result: 'found' }, 0);
  restores.inc({ result: 'not_found' }, 0);

  /** A gauge read from `source` at each scrape; a failing source keeps its last value. */
  const sourcedGauge = (name: string, help: string) => {
    let source: (() => number | Promise<number>) | undefined;
    let registered = false;
    return (next: () => number | Promise<number>) => {
      source = next;
      if (registered) return;
      registered = true;
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          try {
            if (source) this.set(await source());
          } catch (error) {
            options.logger?.warn(`metrics: reading ${name} failed`, error);
          }
        },
      });
    };
  };

  return {
    registry,
    messageIn: () => messages.inc({ direction: 'in' }),
    messageOut: () => messages.inc({ direction: 'out' }),
    agentAnswered: (ms) => agentLatency.observe(Math.max(0, ms) / 1000),
    restored: (found) => restores.inc({ result: found ? 'found' : 'not_found' }),
    evicted: (count = 1) => {
      if (count > 0) evictions.inc(count);
    },
    tookOver: () => takeovers.inc(),
    error: (code) => errors.inc({ code: CODE_LABEL.test(code) ? code : 'other' }),
    countLiveSessions: sourcedGauge(
      'leflux_live_sessions',
      'Live sessions in the session store (shared by every node on Redis).',
    ),
    countSockets: sourcedGauge('leflux_sockets', 'Widget sockets connected to this node.'),
  };
}

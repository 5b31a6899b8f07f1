// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { capturingLogger } from '../testing/capturing-logger.js';
import { createMetrics } from './metrics.js';
import { sample } from './prometheus-sample.js';

describe('createMetrics', () => {
  it('counts what the hooks report, each series under its own name and labels', async () => {
    const metrics = createMetrics();
    metrics.messageIn();
    metrics.messageIn();
    metrics.messageOut();
    metrics.agentAnswered(120);
    metrics.agentAnswered(3000);
    metrics.restored(true);
    metrics.restored(false);
    metrics.restored(false);
    metrics.evicted(3);
    metrics.evicted(0);
    metrics.tookOver();
    metrics.error('session_not_found');
    metrics.error('session_not_found');
    metrics.error('Not A Code!');
    const text = await metrics.registry.metrics();
    expect(sample(text, 'leflux_messages_total{direction="in"}')).toBe(2);
    expect(sample(text, 'leflux_messages_total{direction="out"}')).toBe(1);
    expect(sample(text, 'leflux_agent_latency_seconds_count')).toBe(2);
    expect(sample(text, 'leflux_agent_latency_seconds_sum')).toBeCloseTo(3.12);
    expect(sample(text, 'leflux_agent_latency_seconds_bucket{le="0.25"}')).toBe(1);
    expect(sample(text, 'leflux_agent_latency_seconds_bucket{le="5"}')).toBe(2);
    expect(sample(text, 'leflux_restores_total{result="found"}')).toBe(1);
    expect(sample(text, 'leflux_restores_total{result="not_found"}')).toBe(2);
    expect(sample(text, 'leflux_evictions_total')).toBe(3);
    expect(sample(text, 'leflux_takeovers_total')).toBe(1);
    expect(sample(text, 'leflux_errors_total{code="session_not_found"}')).toBe(2);
    expect(sample(text, 'leflux_errors_total{code="other"}')).toBe(1);
    // No process metrics unless asked for, and no gauge without a source.
    expect(text).not.toContain('process_cpu_user_seconds_total');
    expect(text).not.toContain('leflux_live_sessions');
  });

  it('starts every labelled counter at 0 and keeps two registries apart', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.messageIn();
    const text = await b.registry.metrics();
    expect(sample(text, 'leflux_messages_total{direction="in"}')).toBe(0);
    expect(sample(text, 'leflux_restores_total{result="not_found"}')).toBe(0);
  });

  it('reads gauges from their sources at each scrape; a failing source keeps the last value', async () => {
    const { logger, warnings } = capturingLogger();
    const metrics = createMetrics({ logger });
    let sessions: number | Error = 4;
    metrics.countLiveSessions(async () => {
      if (sessions instanceof Error) throw sessions;
      return sessions;
    });
    metrics.countSockets(() => 2);
    expect(sample(await metrics.registry.metrics(), 'leflux_live_sessions')).toBe(4);
    sessions = 5;
    expect(sample(await metrics.registry.metrics(), 'leflux_live_sessions')).toBe(5);
    sessions = new Error('redis down');
    const text = await metrics.registry.metrics();
    expect(sample(text, 'leflux_live_sessions')).toBe(5);
    expect(sample(text, 'leflux_sockets')).toBe(2);
    expect(warnings).toEqual(['metrics: reading leflux_live_sessions failed']);
  });

  it('adds the process metrics when asked', async () => {
    const text = await createMetrics({ processMetrics: true }).registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});

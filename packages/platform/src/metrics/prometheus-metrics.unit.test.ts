import { describe, expect, it } from 'vitest';
import { fixedClock } from '../clock.js';
import { noopMetrics } from './noop-metrics.js';
import { createPrometheusMetrics } from './prometheus-metrics.js';

const valueOf = async (
  registry: ReturnType<typeof createPrometheusMetrics>['registry'],
  name: string,
  labels: Record<string, string | number> = {},
) => {
  // Histogram series (`_sum`, `_count`, `_bucket`) are values of the histogram, named by metricName.
  const base = name.replace(/_(sum|count|bucket)$/, '');
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name || m.name === base);
  return metric?.values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? metric.name) === name &&
      Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  )?.value;
};

describe('Prometheus metrics', () => {
  it('counts by label, in base units, with _total counters', async () => {
    const { metrics, registry } = createPrometheusMetrics({ processMetrics: false });
    metrics.inboundEvent('message.received', 'accepted', 'http');
    metrics.inboundEvent('message.received', 'accepted', 'http');
    metrics.routing('reopen');
    metrics.actionSuppressed('sms-reopened', 'rate_limited');
    metrics.deadLetters(3);
    expect(
      await valueOf(registry, 'tickets_inbound_events_total', {
        type: 'message.received',
        outcome: 'accepted',
        via: 'http',
      }),
    ).toBe(2);
    expect(await valueOf(registry, 'tickets_routing_decisions_total', { kind: 'reopen' })).toBe(1);
    expect(
      await valueOf(registry, 'tickets_rule_suppressions_total', { rule: 'sms-reopened', reason: 'rate_limited' }),
    ).toBe(1);
    expect(await valueOf(registry, 'tickets_dead_letter_records_total')).toBe(3);
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    for (const name of names.filter((n) => n.startsWith('tickets_')))
      expect(name).toMatch(/_(total|seconds|events|records)$/);
  });

  it('measures event-to-command latency on its clock and event times in Unix seconds', async () => {
    const { metrics, registry } = createPrometheusMetrics({
      processMetrics: false,
      clock: fixedClock('2026-03-02T08:00:02.500Z'),
    });
    metrics.eventToCommand('2026-03-02T08:00:00Z');
    metrics.processed('projector', '2026-03-02T08:00:00Z');
    expect(await valueOf(registry, 'tickets_event_to_command_seconds_sum')).toBe(2.5);
    expect(await valueOf(registry, 'tickets_last_processed_event_timestamp_seconds', { stage: 'projector' })).toBe(
      Date.parse('2026-03-02T08:00:00Z') / 1000,
    );
  });

  it('reads subscriber lag when scraped; a failing probe leaves its series out instead of failing the scrape', async () => {
    const { metrics, registry } = createPrometheusMetrics({ processMetrics: false });
    let behind = 7;
    metrics.lagProbe('projector', async () => behind);
    metrics.lagProbe('rule-reactor', async () => {
      throw new Error('store closed');
    });
    expect(await valueOf(registry, 'tickets_subscriber_lag_events', { subscriber: 'projector' })).toBe(7);
    behind = 0;
    expect(await valueOf(registry, 'tickets_subscriber_lag_events', { subscriber: 'projector' })).toBe(0);
    expect(await valueOf(registry, 'tickets_subscriber_lag_events', { subscriber: 'rule-reactor' })).toBeUndefined();
  });

  it('two registries in one process do not collide (one per service or test)', () => {
    expect(() => [createPrometheusMetrics(), createPrometheusMetrics()]).not.toThrow();
  });

  it('the no-op port accepts every call and records nothing', () => {
    noopMetrics.timeAppend('ingest')();
    noopMetrics.lagProbe('projector', async () => 1);
    expect(noopMetrics.timeIngest()()).toBeUndefined();
  });
});

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { systemClock, type Clock } from '../clock.js';
import type { PipelineMetrics, Stage } from './pipeline-metrics.port.js';

export interface PrometheusMetrics {
  readonly metrics: PipelineMetrics;
  /** What `GET /metrics` serves: the process's default metrics and the `tickets_` ones. */
  readonly registry: Registry;
}

export interface PrometheusMetricsOptions {
  /** Wall clock for event-to-command latency (received time → now). */
  readonly clock?: Clock;
  /** Default process metrics (CPU, memory, event loop, GC); on unless a test wants a lean registry. */
  readonly processMetrics?: boolean;
}

// Latencies in seconds (Prometheus base unit): an append takes ~1 ms on SQLite, an event reaches its
// command in tens of milliseconds when the pipeline keeps up, seconds when it lags.
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const PIPELINE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The one place metric names, help texts, labels and buckets are defined: one registry per process
 * (each `createPrometheusMetrics` call makes its own, so tests never collide on names).
 */
export function createPrometheusMetrics(options: PrometheusMetricsOptions = {}): PrometheusMetrics {
  const clock = options.clock ?? systemClock;
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const inbound = new Counter({
    name: 'tickets_inbound_events_total',
    help: 'Inbound events handled, by CloudEvent type, outcome (accepted, duplicate, rejected) and way in',
    labelNames: ['type', 'outcome', 'via'] as const,
    registers,
  });
  const rejections = new Counter({
    name: 'tickets_inbound_rejections_total',
    help: 'Reasons inbound events were rejected (zod issue code or domain error code)',
    labelNames: ['reason'] as const,
    registers,
  });
  const deadLetters = new Counter({
    name: 'tickets_dead_letter_records_total',
    help: 'Records written to the dead-letter topic',
    registers,
  });
  const routing = new Counter({
    name: 'tickets_routing_decisions_total',
    help: 'Routing decisions for customer messages, by kind (new_ticket, open_ticket, reopen, follow_up)',
    labelNames: ['kind'] as const,
    registers,
  });
  const firings = new Counter({
    name: 'tickets_rule_firings_total',
    help: 'Rules fired, by rule',
    labelNames: ['rule'] as const,
    registers,
  });
  const suppressions = new Counter({
    name: 'tickets_rule_suppressions_total',
    help: 'Actions of fired rules that were suppressed, by rule and reason',
    labelNames: ['rule', 'reason'] as const,
    registers,
  });
  const commands = new Counter({
    name: 'tickets_commands_total',
    help: 'Commands published to the sink, by type',
    labelNames: ['type'] as const,
    registers,
  });
  const append = new Histogram({
    name: 'tickets_append_duration_seconds',
    help: 'Time of one append to the event store, by stage',
    labelNames: ['stage'] as const,
    buckets: STORE_BUCKETS,
    registers,
  });
  const ingest = new Histogram({
    name: 'tickets_ingest_duration_seconds',
    help: 'Time from receiving inbound events to having them durably stored (one submission)',
    buckets: STORE_BUCKETS,
    registers,
  });
  const eventToCommand = new Histogram({
    name: 'tickets_event_to_command_seconds',
    help: 'Time from receiving an inbound event to publishing a command it caused',
    buckets: PIPELINE_BUCKETS,
    registers,
  });
  const lastProcessed = new Gauge({
    name: 'tickets_last_processed_event_timestamp_seconds',
    help: 'Event time of the last event each stage handled (Unix seconds)',
    labelNames: ['stage'] as const,
    registers,
  });
  const kafkaLag = new Gauge({
    name: 'tickets_kafka_consumer_lag_records',
    help: 'Records behind the high watermark, per partition, as of the last fetched batch',
    labelNames: ['topic', 'partition'] as const,
    registers,
  });
  const probes = new Map<Stage, () => Promise<number>>();
  new Gauge({
    name: 'tickets_subscriber_lag_events',
    help: 'Events in the store a subscriber has not handled yet (projector, rule-reactor, command-relay)',
    labelNames: ['subscriber'] as const,
    registers,
    // Read when scraped, so an idle pipeline still reports its true lag.
    async collect() {
      this.reset();
      await Promise.all(
        [...probes].map(async ([subscriber, probe]) => {
          try {
            this.set({ subscriber }, await probe());
          } catch {
            // An unreachable store shows as a missing series (and in /readyz), not a scrape failure.
          }
        }),
      );
    },
  });

  const seconds = (iso: string): number => Date.parse(iso) / 1000;

  const metrics: PipelineMetrics = {
    inboundEvent: (type, outcome, via) => inbound.inc({ type, outcome, via }),
    rejection: (reason) => rejections.inc({ reason }),
    deadLetters: (count) => deadLetters.inc(count),
    routing: (kind) => routing.inc({ kind }),
    ruleFired: (rule) => firings.inc({ rule }),
    actionSuppressed: (rule, reason) => suppressions.inc({ rule, reason }),
    commandPublished: (type) => commands.inc({ type }),
    timeAppend: (stage) => append.startTimer({ stage }),
    timeIngest: () => ingest.startTimer(),
    eventToCommand(receivedAt) {
      const at = seconds(receivedAt);
      if (Number.isFinite(at)) eventToCommand.observe(Math.max(0, clock().getTime() / 1000 - at));
    },
    processed(stage, eventTime) {
      const at = seconds(eventTime);
      if (Number.isFinite(at)) lastProcessed.set({ stage }, at);
    },
    kafkaConsumerLag: (topic, partition, lag) => kafkaLag.set({ topic, partition: String(partition) }, lag),
    lagProbe: (subscriber, probe) => void probes.set(subscriber, probe),
  };
  return { metrics, registry };
}

// `npm run bench`: what metrics and tracing cost. The in-process pipeline (HTTP-less ingest, then the
// relay and projector catching up) on a fresh SQLite store per run, with metrics and tracing
// off (the no-op port, no SDK, no trace context) and on (Prometheus metrics, an OpenTelemetry SDK
// recording every span through a batch processor, a traceparent on every event), alternating in one
// process so both see the same machine. Target: at most 5% slower with everything on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { trace } from '@opentelemetry/api';
import { BatchSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES } from '@tickets/domain';
import { createLogger, createPrometheusMetrics, noopMetrics, type PipelineMetrics } from '@tickets/platform';
import { createMemorySink } from '@tickets/rule-reactor';
import { openRuntime } from '@tickets/cli';
import { submitInBatches } from './bench-phase.js';
import { syntheticEvents } from '@tickets/testing';

/** off: no-op port, no SDK, no trace context; metrics / tracing: one of them; on: both. */
type Mode = 'off' | 'metrics' | 'tracing' | 'on';
const MODES: readonly Mode[] = ['off', 'metrics', 'tracing', 'on'];
const traces = (mode: Mode): boolean => mode === 'tracing' || mode === 'on';

interface RunResult {
  readonly mode: Mode;
  readonly ingestPerSecond: number;
  readonly pipelinePerSecond: number;
  readonly spans: number;
}

const silent = createLogger({ level: 'silent' });

/** Spans are counted and dropped: the cost measured is recording them, not a network. */
function countingExporter(): SpanExporter & { count: number } {
  return {
    count: 0,
    export(spans: ReadableSpan[], done) {
      this.count += spans.length;
      done({ code: 0 });
    },
    async shutdown() {},
  };
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
const withTrace = (events: readonly object[]): object[] =>
  events.map((event, i) => ({ ...event, traceparent: `00-${hex(i + 1, 32)}-${hex(i + 1, 16)}-01` }));

async function run(mode: Mode, events: readonly object[], dir: string, round: number): Promise<RunResult> {
  const exporter = countingExporter();
  let provider: TracerProvider | undefined;
  let metrics: PipelineMetrics = noopMetrics;
  let scrape = async (): Promise<void> => {};
  if (traces(mode)) {
    provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] });
    trace.setGlobalTracerProvider(provider);
  }
  if (mode === 'metrics' || mode === 'on') {
    const prometheus = createPrometheusMetrics();
    metrics = prometheus.metrics;
    scrape = async () => void (await prometheus.registry.metrics());
  }
  const runtime = await openRuntime({
    store: `sqlite:${join(dir, `${mode}-${round}.db`)}`,
    rules: DEFAULT_RULES,
    policy: DEFAULT_REOPEN_POLICY,
    sink: createMemorySink(),
    logger: silent,
    metrics,
  });
  try {
    const started = performance.now();
    await submitInBatches(runtime.ingest, events);
    const ingested = performance.now();
    await runtime.settle();
    await runtime.relay.catchUp();
    // A scrape every run, as Prometheus would (lag probes read the store).
    await scrape();
    const settled = performance.now();
    await provider?.forceFlush();
    return {
      mode,
      ingestPerSecond: Math.round(events.length / ((ingested - started) / 1000)),
      pipelinePerSecond: Math.round(events.length / ((settled - started) / 1000)),
      spans: exporter.count,
    };
  } finally {
    await runtime.close();
    await provider?.shutdown();
    trace.disable();
  }
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { events: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '3' } },
  });
  const count = Number(values.events);
  const rounds = Number(values.rounds);
  const plain = syntheticEvents(count, Math.max(1, Math.floor(count / 10)));
  const traced = withTrace(plain);
  const dir = mkdtempSync(join(tmpdir(), 'tickets-observability-bench-'));
  const results: RunResult[] = [];
  try {
    // A warm-up run of each, not counted: the JIT and the page cache treat both alike afterwards.
    for (const mode of MODES) await run(mode, (traces(mode) ? traced : plain).slice(0, 2_000), dir, -1);
    for (let round = 0; round < rounds; round++) {
      // Interleaved, in a rotated order each round, so drift on a shared machine hits every mode.
      const order = MODES.map((_, i) => MODES[(i + round) % MODES.length]!);
      for (const mode of order) {
        const result = await run(mode, traces(mode) ? traced : plain, dir, round);
        results.push(result);
        process.stdout.write(`${JSON.stringify({ round, ...result })}\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const of = (mode: Mode, key: 'ingestPerSecond' | 'pipelinePerSecond') =>
    median(results.filter((r) => r.mode === mode).map((r) => r[key]));
  const overhead = (key: 'ingestPerSecond' | 'pipelinePerSecond') =>
    ((of('off', key) - of('on', key)) / of('off', key)) * 100;
  const row = (key: 'ingestPerSecond' | 'pipelinePerSecond', label: string) =>
    `  ${label.padEnd(14)} ${MODES.map((mode) => `${mode} ${of(mode, key)}/s`).join('   ')}   overhead (on vs off) ${overhead(key).toFixed(1)}% (target <= 5%)`;
  const lines = [
    `metrics + tracing overhead, ${count} synthetic inbound events, SQLite, median of ${rounds} runs per mode, node ${process.versions.node}`,
    row('ingestPerSecond', 'ingest rate'),
    row('pipelinePerSecond', 'pipeline rate'),
    `  spans recorded per traced run: ${results.find((r) => r.mode === 'on')?.spans ?? 0}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();

// `node benchmarks/dist/scale-bench.js --events 20000 --instances 1,2,3`: the ingest scaled
// out (docs/scaling.md). For each instance count, on a fresh PostgreSQL schema and fresh topics: the
// events are produced to the inbound topic first (a backlog), then N `tickets ingest` processes in one
// consumer group drain it. Prints, per N: events/s from the first start to the last offset committed,
// the p99 of the ingest's submission time (receipt to durably stored, its /metrics histogram summed
// over the instances), and the CPU the ingest processes spent per event (user + system, from /proc).
// Expects a broker at --brokers (default KAFKA_BROKERS, else 127.0.0.1:9092). Options: --customers 3000
// --partitions 6 --postgres-url URL --seed 42 --json
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { kafkaFromEnv, type KafkaSetup } from '@tickets/messaging';
import { createLogger, delay, readConfig } from '@tickets/platform';
import { openDomainStore } from '@tickets/streams';
import { ServiceProcesses } from './service-processes.js';
import { syntheticEvents } from '@tickets/testing';

const Options = z.object({
  events: z.coerce.number().int().positive(),
  customers: z.coerce.number().int().positive(),
  instances: z.string().regex(/^\d+(,\d+)*$/),
  partitions: z.coerce.number().int().positive(),
  seed: z.coerce.number().int(),
  brokers: z.string().min(1),
  'postgres-url': z.string().url(),
  json: z.boolean(),
});
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    customers: { type: 'string', default: '3000' },
    instances: { type: 'string', default: '1,2,3' },
    partitions: { type: 'string', default: '6' },
    seed: { type: 'string', default: '42' },
    brokers: { type: 'string', default: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092' },
    'postgres-url': {
      type: 'string',
      default: process.env['TICKETS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
    json: { type: 'boolean', default: false },
  },
});
const parsed = Options.safeParse(values);
if (!parsed.success) {
  for (const issue of parsed.error.issues)
    process.stderr.write(`scale-bench: --${issue.path.join('.')}: ${issue.message}\n`);
  process.exit(2);
}
const options = parsed.data;
const logger = createLogger({ level: 'warn', name: 'scale-bench', destination: process.stderr });
const BIN = resolve(import.meta.dirname, '../../services/tickets/bin/tickets.mjs');
const TICK = 100; // /proc clock ticks per second on Linux

interface ScaleResult {
  readonly instances: number;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly p99Ms: number | null;
  readonly cpuMsPerEvent: number;
  readonly load: number[];
}

const results: ScaleResult[] = [];
for (const n of options.instances.split(',').map(Number)) results.push(await runOnce(n));
if (options.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
else {
  process.stdout.write(
    `scale-bench: ${options.events} events, ${options.customers} customers, ${options.partitions} partitions, PostgreSQL store\n`,
  );
  process.stdout.write(
    '| ingest instances | events/s | p99 submission (ms) | CPU ms per event (ingests) | load average |\n|---:|---:|---:|---:|---|\n',
  );
  for (const r of results) {
    process.stdout.write(
      `| ${r.instances} | ${Math.round(r.eventsPerSecond)} | ${r.p99Ms ?? '-'} | ${r.cpuMsPerEvent.toFixed(2)} | ${r.load.map((l) => l.toFixed(1)).join(' ')} |\n`,
    );
  }
}

async function runOnce(instances: number): Promise<ScaleResult> {
  const run = randomUUID().slice(0, 8);
  const schema = `scale_${run}`;
  const url = new URL(options['postgres-url']);
  url.searchParams.set('schema', schema);
  const store = url.toString();
  const dir = mkdtempSync(join(tmpdir(), 'tickets-scale-'));
  const settings: Record<string, string> = {
    KAFKA_BROKERS: options.brokers,
    KAFKA_CLIENT_ID: `scale-${run}`,
    KAFKA_TOPIC_INBOUND: `scale-${run}.inbound`,
    KAFKA_TOPIC_DLQ: `scale-${run}.inbound.dlq`,
    KAFKA_TOPIC_COMMANDS: `scale-${run}.commands`,
    KAFKA_TOPIC_STATE: `scale-${run}.state`,
    KAFKA_GROUP_INGEST: `scale-${run}-ingest`,
    KAFKA_PARTITIONS: String(options.partitions),
    KAFKA_SESSION_TIMEOUT_MS: '6000',
  };
  const kafka = await kafkaFromEnv(settings, logger);
  if (kafka === null) throw new Error('no Kafka brokers');
  // Migrated once, before the instances start.
  const opened = await openDomainStore(store, readConfig(settings).pii);
  await opened.checkpoints.close();
  await opened.store.close();
  const events = syntheticEvents(options.events, options.customers, options.seed) as { subject: string }[];
  await produce(kafka, events);
  const services = new ServiceProcesses({
    bin: BIN,
    store,
    env: settings,
    logDir: dir,
    logLevel: 'info',
    replicas: { ingest: instances, projector: 0, relay: 0 },
  });
  const began = performance.now();
  services.startAll();
  try {
    await untilCommitted(kafka, settings['KAFKA_GROUP_INGEST']!);
    const seconds = (performance.now() - began) / 1000;
    let cpuTicks = 0;
    const buckets = new Map<number, number>();
    for (const instance of services.instances) {
      const pid = services.pid(instance);
      if (pid === undefined) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      cpuTicks += Number(fields[11]) + Number(fields[12]);
      for (const [le, count] of await ingestBuckets(join(dir, `${instance.id}.log`)))
        buckets.set(le, (buckets.get(le) ?? 0) + count);
    }
    return {
      instances,
      events: events.length,
      seconds: Math.round(seconds * 10) / 10,
      eventsPerSecond: events.length / seconds,
      p99Ms: p99(buckets),
      cpuMsPerEvent: ((cpuTicks / TICK) * 1000) / events.length,
      load: loadavg(),
    };
  } finally {
    await services.stopAll();
    const admin = kafka.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(kafka.topics) }).catch(() => {});
    await admin.deleteGroups([settings['KAFKA_GROUP_INGEST']!]).catch(() => {});
    await admin.disconnect();
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: options['postgres-url'] });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function produce(kafka: KafkaSetup, events: readonly { subject: string }[]): Promise<void> {
  const producer = kafka.kafka.producer();
  await producer.connect();
  try {
    for (let i = 0; i < events.length; i += 500) {
      const messages = events.slice(i, i + 500).map((event) => ({
        key: event.subject,
        value: JSON.stringify(event),
        headers: { 'content-type': 'application/cloudevents+json' },
      }));
      await producer.send({ topic: kafka.topics.inbound, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Waits until the group has committed every record of the inbound topic. */
async function untilCommitted(kafka: KafkaSetup, group: string): Promise<void> {
  const admin = kafka.kafka.admin();
  await admin.connect();
  try {
    for (;;) {
      const high = await admin.fetchTopicOffsets(kafka.topics.inbound);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [kafka.topics.inbound] });
      const behind = high.some(
        ({ partition, high: h }) =>
          Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1') < Number(h),
      );
      if (!behind) return;
      await delay(200);
    }
  } finally {
    await admin.disconnect();
  }
}

/** The instance's `tickets_ingest_duration_seconds` buckets, from its /metrics (its port is in its log). */
async function ingestBuckets(logFile: string): Promise<Map<number, number>> {
  const ready = readFileSync(logFile, 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        return entry.msg === 'ingest ready' && entry.port !== undefined ? [entry.port] : [];
      } catch {
        return [];
      }
    });
  const port = ready.at(-1);
  const found = new Map<number, number>();
  if (port === undefined) return found;
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  for (const match of text.matchAll(/^tickets_ingest_duration_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)) {
    found.set(match[1] === '+Inf' ? Infinity : Number(match[1]), Number(match[2]));
  }
  return found;
}

/** The upper bound of the bucket holding the 99th percentile, in ms (cumulative buckets). */
function p99(buckets: Map<number, number>): number | null {
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  const at = sorted.find(([, count]) => count >= total * 0.99);
  return at === undefined || at[0] === Infinity ? null : Math.round(at[0] * 1000);
}

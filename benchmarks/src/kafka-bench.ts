// `node dist/kafka-bench.js`: end-to-end latency and sustained rate of the Kafka pipeline
// (`tickets serve` with Kafka), next to a bare kafkajs pipe on the same broker, measured in the same
// run. It starts no broker: it expects one at KAFKA_BROKERS (default 127.0.0.1:9092).
//
// The pipeline and the bare pipe each run in a child process, as a service would. This process is
// the integration producing inbound events and the downstream consumer reading what comes out, so
// every latency is read on one clock: from the send of an inbound event to the arrival of its
// command (matched by `correlationId`) or, for the pipe, of its forwarded copy.
//
// Options: --phases raw,pipe,pipeline  --seconds 20 (the 500/s and 2,000/s steps)  --step-seconds 6
// (ramp steps)  --no-ramp  --log-level info (the service's, as `tickets serve` ships)  and
// --node-flags="--max-semi-space-size=16 --cpu-prof --cpu-prof-dir=DIR" for the child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_REOPEN_POLICY, RulesFile } from '@tickets/domain';
import { inboundConsumerFor } from '@tickets/ingest';
import {
  createKafka,
  createKafkaStatePublisher,
  createTopics,
  KafkaEnv,
  kafkaFromEnv,
  type Kafka,
} from '@tickets/messaging';
import { createLogger, delay, followUntil, shutdownSignal } from '@tickets/platform';
import { createStateRelay } from '@tickets/projector';
import { openCommandSink } from '@tickets/rule-reactor';
import { openRuntime } from '@tickets/cli';

type Producer = ReturnType<Kafka['producer']>;
type Consumer = ReturnType<Kafka['consumer']>;

/** Every customer message gives exactly one command, whose `correlationId` is the inbound event id. */
const NOTE_RULES = RulesFile.parse({
  rules: [
    {
      id: 'bench-note',
      name: 'A note for every customer message',
      when: 'message.received',
      then: [{ type: 'add_internal_note', body: 'Customer wrote: {{message.body}}' }],
    },
  ],
});

const CUSTOMERS = 10_000;
// A step "keeps up" when the backlog does not grow, the generator reached its rate, p99 stays under
// this and the backlog drains once the load stops.
const P99_LIMIT_MS = 250;
const DRAIN_TIMEOUT_MS = 60_000;
// Coarse ramp, then two bisections between the last rate kept up with and the first one not.
const RAMP = [1_000, 2_000, 3_000, 4_500, 6_500, 10_000, 15_000, 22_500, 34_000, 50_000, 75_000];
const DEFAULT_NODE_FLAGS = '--max-semi-space-size=16';

// ---------------------------------------------------------------------------------------------
// Inbound events: SMS messages of the size integrations send (~400 bytes), built by concatenation
// so that the generator spends its CPU on Kafka, not on JSON.stringify.

const BODY = "Bonjour, ma commande n'est pas arrivée, pouvez-vous vérifier ?";
function inboundEvent(id: string, n: number): { key: string; value: string } {
  const customer = `cus_${n % CUSTOMERS}`;
  const phone = `+3361${String(n % CUSTOMERS).padStart(7, '0')}`;
  const value =
    `{"specversion":"1.0","id":"${id}","source":"https://bench.example/sms","type":"message.received",` +
    `"time":"${new Date().toISOString()}","subject":"${customer}","data":{"channel":"sms","integration":"twilio",` +
    `"customer":{"id":"${customer}","name":"Customer ${n % CUSTOMERS}","phone":"${phone}"},` +
    `"message":{"id":"m-${id}","body":"${BODY}"}}}`;
  return { key: customer, value };
}

/** The string value that follows `marker` (e.g. `"id":"`), without parsing the whole record. */
function stringAfter(text: string, marker: string): string | undefined {
  const start = text.indexOf(marker);
  if (start < 0) return undefined;
  const from = start + marker.length;
  const end = text.indexOf('"', from);
  return end < 0 ? undefined : text.slice(from, end);
}

// ---------------------------------------------------------------------------------------------
// Child roles.

/** Tells the parent a fact over the IPC channel (stdout belongs to the service's logs). */
const tell = (fact: Record<string, unknown>): void => {
  process.send?.(fact);
};

/** `tickets serve` with Kafka: the same composition as commands/serve.ts, without the HTTP API. */
async function serveRole(settings: Record<string, string>, dir: string, logLevel: string): Promise<void> {
  // As `tickets serve` logs: pino to stdout (the parent points it at /dev/null).
  const logger = createLogger({ level: logLevel, name: 'tickets' });
  const kafka = await kafkaFromEnv(settings, logger);
  if (kafka === null) throw new Error('KAFKA_BROKERS missing');
  const runtime = await openRuntime({
    store: `sqlite:${join(dir, 'tickets.db')}`,
    rules: NOTE_RULES,
    policy: DEFAULT_REOPEN_POLICY,
    sink: openCommandSink('kafka', kafka),
    logger,
  });
  const publisher = createKafkaStatePublisher({ kafka: kafka.kafka, topic: kafka.topics.state });
  const stateRelay = createStateRelay({
    store: runtime.store,
    readModel: runtime.readModel,
    checkpoints: runtime.checkpoints,
    publisher,
    logger,
  });
  const consumer = inboundConsumerFor(kafka, runtime.ingest, logger);
  await consumer.start();
  tell({ ready: true });
  try {
    await followUntil(
      [(s) => runtime.projector.run(s), (s) => runtime.relay.run(s), (s) => stateRelay.run(s)],
      shutdownSignal(),
      async () => {
        await consumer.stop();
        await runtime.ingest.close();
      },
    );
  } finally {
    await publisher.close();
    await runtime.close();
  }
}

/**
 * The raw baseline: consume → parse → produce → commit with kafkajs and nothing else, one send per
 * partition batch (capped under the broker's 1 MiB limit), kafkajs committing after each batch.
 */
async function pipeRole(settings: Record<string, string>, from: string, to: string, partitions: number): Promise<void> {
  const kafka = createKafka(KafkaEnv.parse(settings), createLogger({ level: 'silent' }));
  const consumer = kafka.consumer({ groupId: `${from}-pipe` });
  const producer = kafka.producer();
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [from], fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: partitions,
    eachBatch: async ({ batch }) => {
      const messages = batch.messages.map((m) => ({
        key: m.key,
        value: JSON.stringify(JSON.parse(m.value?.toString() ?? 'null')),
      }));
      for (let i = 0; i < messages.length; i += 1_000)
        await producer.send({ topic: to, acks: -1, messages: messages.slice(i, i + 1_000) });
    },
  });
  tell({ ready: true });
  await shutdownSignal();
  await consumer.disconnect();
  await producer.disconnect();
}

// ---------------------------------------------------------------------------------------------
// The driver: load generator and downstream consumer.

interface StepState {
  readonly latencies: number[];
  sent: number;
  received: number;
}

export interface StepResult {
  readonly rate: number;
  readonly seconds: number;
  readonly sent: number;
  readonly achieved: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Events sent whose output had not arrived when the load stopped. */
  readonly backlogAtEnd: number;
  /** Why the step did not keep up; empty when it did. */
  readonly failures: readonly string[];
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
const mean = (values: readonly number[]): number =>
  values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;

/** Produces inbound events at a set rate and times their outputs on another topic. */
class LoadDriver {
  readonly #pending = new Map<string, { step: StepState; sentAt: number }>();
  readonly #producer: Producer;
  readonly #consumer: Consumer;
  #sequence = 0;

  constructor(
    kafka: Kafka,
    private readonly input: string,
    private readonly output: string,
    private readonly idOf: (value: string) => string | undefined,
    private readonly partitions: number,
  ) {
    this.#producer = kafka.producer();
    this.#consumer = kafka.consumer({ groupId: `${output}-driver-${randomUUID().slice(0, 8)}`, maxWaitTimeInMs: 100 });
  }

  async start(): Promise<void> {
    await this.#producer.connect();
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topics: [this.output], fromBeginning: true });
    await this.#consumer.run({
      // No commits: a measuring consumer must not wait for one before its next fetch.
      autoCommit: false,
      partitionsConsumedConcurrently: this.partitions,
      eachBatch: async ({ batch }) => {
        const now = performance.now();
        for (const message of batch.messages) {
          const id = this.idOf(message.value?.toString() ?? '');
          const entry = id === undefined ? undefined : this.#pending.get(id);
          // Unknown ids are repeats (an outbox may publish twice) or other records: not timed.
          if (entry === undefined || id === undefined) continue;
          this.#pending.delete(id);
          entry.step.latencies.push(now - entry.sentAt);
          entry.step.received++;
        }
      },
    });
  }

  /** `rate` events/s for `seconds`, then waits for the backlog to drain. */
  async step(rate: number, seconds: number): Promise<StepResult> {
    const step: StepState = { latencies: [], sent: 0, received: 0 };
    const total = Math.round(rate * seconds);
    const inFlight = new Set<Promise<unknown>>();
    const backlog: number[] = [];
    let failed: unknown = null;
    const started = performance.now();
    let sampledAt = started;
    for (;;) {
      const now = performance.now();
      const elapsed = (now - started) / 1000;
      if (step.sent >= total || elapsed > seconds * 1.5) break;
      const due = Math.min(total, Math.floor(rate * elapsed)) - step.sent;
      if (due > 0) {
        const messages = [];
        for (let i = 0; i < due; i++) {
          const n = this.#sequence++;
          const event = inboundEvent(`b${n}`, n);
          this.#pending.set(`b${n}`, { step, sentAt: now });
          messages.push(event);
        }
        step.sent += due;
        for (let i = 0; i < messages.length; i += 1_000) {
          const send: Promise<unknown> = this.#producer
            .send({ topic: this.input, acks: -1, messages: messages.slice(i, i + 1_000) })
            .catch((error: unknown) => (failed = error))
            .finally(() => inFlight.delete(send));
          inFlight.add(send);
        }
        // Bounded: a broker that stops acknowledging slows the generator instead of filling memory.
        while (inFlight.size > 256) await Promise.race(inFlight);
      }
      if (now - sampledAt >= 250) {
        backlog.push(step.sent - step.received);
        sampledAt = now;
      }
      await delay(1);
    }
    const sendSeconds = (performance.now() - started) / 1000;
    await Promise.all(inFlight);
    if (failed !== null) throw failed;
    const backlogAtEnd = step.sent - step.received;
    const drainDeadline = performance.now() + DRAIN_TIMEOUT_MS;
    while (step.received < step.sent && performance.now() < drainDeadline) await delay(5);

    const sorted = step.latencies.toSorted((a, b) => a - b);
    const achieved = step.sent / sendSeconds;
    const quarter = Math.floor(backlog.length / 4);
    // Lag grows without bound when the last quarter's backlog is over 100 ms of traffic above the
    // second quarter's: the pipeline falls further behind as the step goes on.
    const growth = mean(backlog.slice(3 * quarter)) - mean(backlog.slice(quarter, 2 * quarter));
    const failures: string[] = [];
    if (achieved < rate * 0.95) failures.push(`generator reached ${Math.round(achieved)}/s`);
    if (growth > rate * 0.1) failures.push(`lag grew by ${Math.round(growth)}`);
    if (step.received < step.sent) failures.push(`${step.sent - step.received} never arrived`);
    const p99 = percentile(sorted, 0.99);
    if (!(p99 <= P99_LIMIT_MS)) failures.push(`p99 ${p99.toFixed(0)} ms`);
    for (const [id, entry] of this.#pending) if (entry.step === step) this.#pending.delete(id);
    return {
      rate,
      seconds: Number(sendSeconds.toFixed(1)),
      sent: step.sent,
      achieved: Math.round(achieved),
      p50: percentile(sorted, 0.5),
      p99,
      max: sorted.at(-1) ?? Number.NaN,
      backlogAtEnd,
      failures,
    };
  }

  /** The highest rate of RAMP (refined by bisection) that the system keeps up with. */
  async ramp(
    stepSeconds: number,
    progress: (line: string) => void,
  ): Promise<{ steps: StepResult[]; sustained: number }> {
    const steps: StepResult[] = [];
    const run = async (rate: number): Promise<StepResult> => {
      const result = await this.step(rate, stepSeconds);
      steps.push(result);
      progress(describeStep(result));
      return result;
    };
    let kept = 0;
    let missed: number | null = null;
    for (const rate of RAMP) {
      const result = await run(rate);
      if (result.failures.length > 0) {
        missed = rate;
        break;
      }
      kept = rate;
    }
    for (let i = 0; i < 2 && missed !== null && kept > 0 && missed - kept > kept * 0.1; i++) {
      // A step that never drained leaves a backlog the next one would inherit: stop there.
      if (steps.at(-1)?.failures.some((f) => f.includes('never arrived'))) break;
      const middle = Math.round((kept + missed) / 2 / 100) * 100;
      if ((await run(middle)).failures.length === 0) kept = middle;
      else missed = middle;
    }
    return { steps, sustained: kept };
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect();
    await this.#producer.disconnect();
  }
}

const describeStep = (r: StepResult): string =>
  `${r.rate}/s for ${r.seconds}s: sent ${r.sent} (${r.achieved}/s), p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(0)} ms, ` +
  `backlog at end ${r.backlogAtEnd}${r.failures.length === 0 ? ', kept up' : `, NOT kept up: ${r.failures.join('; ')}`}`;

/** A child process in one of the roles above; resolves once it reports ready. */
async function startChild(role: string[], nodeFlags: readonly string[]): Promise<ChildProcess> {
  const devNull = openSync('/dev/null', 'w');
  const child = spawn(process.execPath, [...nodeFlags, fileURLToPath(import.meta.url), ...role], {
    stdio: ['ignore', devNull, 'inherit', 'ipc'],
  });
  closeSync(devNull);
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) =>
      reject(new Error(`${role.join(' ')} exited with ${String(code)} before it was ready`)),
    );
  });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// Raw rates: batched produce, then consume.

async function rawRates(kafka: Kafka, topic: string, count: number): Promise<{ produce: number; consume: number }> {
  const producer = kafka.producer();
  await producer.connect();
  const began = performance.now();
  for (let i = 0; i < count; i += 1_000) {
    const messages = Array.from({ length: Math.min(1_000, count - i) }, (_, j) => inboundEvent(`r${i + j}`, i + j));
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
  }
  const produce = count / ((performance.now() - began) / 1000);
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `${topic}-reader`, maxWaitTimeInMs: 100 });
  let consumed = 0;
  let first = 0;
  let last = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (first === 0) first = performance.now();
      consumed += batch.messages.length;
      last = performance.now();
    },
  });
  while (consumed < count) await delay(5);
  await consumer.disconnect();
  return { produce: Math.round(produce), consume: Math.round(count / ((last - first) / 1000)) };
}

// ---------------------------------------------------------------------------------------------

interface Figures {
  raw?: { produce: number; consume: number };
  pipe?: { at2000: StepResult; ramp: { steps: StepResult[]; sustained: number } };
  pipeline?: { at500: StepResult; at2000: StepResult; ramp: { steps: StepResult[]; sustained: number } };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      settings: { type: 'string' },
      dir: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      brokers: { type: 'string', default: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092' },
      partitions: { type: 'string', default: '6' },
      seconds: { type: 'string', default: '20' },
      'step-seconds': { type: 'string', default: '6' },
      'raw-count': { type: 'string', default: '200000' },
      phases: { type: 'string', default: 'raw,pipe,pipeline' },
      'log-level': { type: 'string', default: 'info' },
      'node-flags': { type: 'string', default: DEFAULT_NODE_FLAGS },
      /** `--no-ramp`: only the fixed-rate steps (e.g. to profile them with `--node-flags="… --cpu-prof"`). */
      ramp: { type: 'boolean', default: true },
    },
    allowNegative: true,
  });
  const partitions = Number(values.partitions);
  if (values.role === 'serve')
    return serveRole(
      JSON.parse(values.settings ?? '{}') as Record<string, string>,
      values.dir ?? '.',
      values['log-level'],
    );
  if (values.role === 'pipe')
    return pipeRole(
      JSON.parse(values.settings ?? '{}') as Record<string, string>,
      values.from ?? '',
      values.to ?? '',
      partitions,
    );

  const seconds = Number(values.seconds);
  const stepSeconds = Number(values['step-seconds']);
  const phases = new Set(values.phases.split(','));
  const nodeFlags = values['node-flags'].split(' ').filter((flag) => flag !== '');
  const progress = (line: string): void => void process.stderr.write(`kafka-bench: ${line}\n`);
  const run = randomUUID().slice(0, 8);
  const settings = {
    KAFKA_BROKERS: values.brokers,
    KAFKA_CLIENT_ID: `kafka-bench-${run}`,
    KAFKA_TOPIC_INBOUND: `bench-${run}.inbound`,
    KAFKA_TOPIC_DLQ: `bench-${run}.inbound.dlq`,
    KAFKA_TOPIC_COMMANDS: `bench-${run}.commands`,
    KAFKA_TOPIC_STATE: `bench-${run}.state`,
    KAFKA_GROUP_INGEST: `bench-${run}-ingest`,
    KAFKA_PARTITIONS: String(partitions),
  };
  const raw = { rates: `bench-${run}.raw`, pipeIn: `bench-${run}.pipe-in`, pipeOut: `bench-${run}.pipe-out` };
  const quiet = createLogger({ level: 'silent' });
  const setup = await kafkaFromEnv(settings, quiet);
  if (setup === null) throw new Error('KAFKA_BROKERS missing');
  // Through the shared retry: a broker just started may not know the new topics' leaders yet.
  await createTopics(
    setup.kafka,
    Object.values(raw).map((topic) => ({ topic })),
    { partitions, replicationFactor: 1 },
    quiet,
  );
  const admin = setup.kafka.admin();
  await admin.connect();
  const dir = mkdtempSync(join(tmpdir(), 'tickets-kafka-bench-'));
  const figures: Figures = {};
  // The broker, this process and the service share the machine: what else runs there shows in p99.
  const loadBefore = loadavg()[0] ?? 0;
  try {
    if (phases.has('raw')) {
      progress('raw produce/consume rates');
      figures.raw = await rawRates(setup.kafka, raw.rates, Number(values['raw-count']));
    }
    if (phases.has('pipe')) {
      const child = await startChild(
        [
          '--role',
          'pipe',
          '--settings',
          JSON.stringify(settings),
          '--from',
          raw.pipeIn,
          '--to',
          raw.pipeOut,
          '--partitions',
          String(partitions),
        ],
        nodeFlags,
      );
      const driver = new LoadDriver(
        setup.kafka,
        raw.pipeIn,
        raw.pipeOut,
        (value) => stringAfter(value, '"id":"'),
        partitions,
      );
      try {
        await driver.start();
        progress('bare pipe: warm-up');
        await driver.step(1_000, 3);
        const at2000 = await driver.step(2_000, seconds);
        progress(`bare pipe ${describeStep(at2000)}`);
        figures.pipe = {
          at2000,
          ramp: values.ramp
            ? await driver.ramp(stepSeconds, (line) => progress(`bare pipe ${line}`))
            : { steps: [], sustained: 0 },
        };
      } finally {
        await driver.stop();
        await stopChild(child);
      }
    }
    if (phases.has('pipeline')) {
      const child = await startChild(
        ['--role', 'serve', '--settings', JSON.stringify(settings), '--dir', dir, '--log-level', values['log-level']],
        nodeFlags,
      );
      const driver = new LoadDriver(
        setup.kafka,
        setup.topics.inbound,
        setup.topics.commands,
        (value) => stringAfter(value, '"correlationId":"'),
        partitions,
      );
      try {
        await driver.start();
        progress('pipeline: warm-up');
        await driver.step(1_000, 3);
        const at500 = await driver.step(500, seconds);
        progress(`pipeline ${describeStep(at500)}`);
        const at2000 = await driver.step(2_000, seconds);
        progress(`pipeline ${describeStep(at2000)}`);
        figures.pipeline = {
          at500,
          at2000,
          ramp: values.ramp
            ? await driver.ramp(stepSeconds, (line) => progress(`pipeline ${line}`))
            : { steps: [], sustained: 0 },
        };
      } finally {
        await driver.stop();
        await stopChild(child);
      }
    }
  } finally {
    await admin.deleteTopics({ topics: [...Object.values(raw), ...Object.values(setup.topics)] }).catch(() => {});
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
  report(figures, {
    brokers: values.brokers,
    partitions,
    seconds,
    stepSeconds,
    logLevel: values['log-level'],
    nodeFlags,
    loadBefore,
  });
}

function report(
  figures: Figures,
  run: {
    brokers: string;
    partitions: number;
    seconds: number;
    stepSeconds: number;
    logLevel: string;
    nodeFlags: readonly string[];
    loadBefore: number;
  },
): void {
  const ms = (value: number | undefined): string =>
    value === undefined || Number.isNaN(value) ? '–' : value.toFixed(1);
  const rate = (value: number | undefined): string =>
    value === undefined ? '–' : `${value.toLocaleString('en-US')}/s`;
  const latency = (r: StepResult | undefined): string =>
    r === undefined ? '–' : `${ms(r.p50)} / ${ms(r.p99)} / ${ms(r.max)} ms`;
  const { raw, pipe, pipeline } = figures;
  const ratio =
    pipe !== undefined && pipeline !== undefined && pipe.ramp.sustained > 0
      ? pipeline.ramp.sustained / pipe.ramp.sustained
      : undefined;
  const lines = [
    `Kafka bench: broker ${run.brokers}, ${run.partitions} partitions, kafkajs 2.2.4, node ${process.versions.node} ${run.nodeFlags.join(' ')}, ` +
      `pipeline log level ${run.logLevel}; latency steps ${run.seconds} s, ramp steps ${run.stepSeconds} s`,
    `${availableParallelism()} CPUs shared by the broker, this generator and the service; load average ${run.loadBefore.toFixed(2)} before the run, ${(loadavg()[0] ?? 0).toFixed(2)} after`,
    '',
    '| measurement | figure |',
    '|---|---|',
    `| raw: produce, sendBatch of 1,000, acks -1 | ${rate(raw?.produce)} |`,
    `| raw: consume, eachBatch | ${rate(raw?.consume)} |`,
    `| bare pipe (consume → parse → produce → commit) at 2,000/s: p50 / p99 / max | ${latency(pipe?.at2000)} |`,
    `| bare pipe: highest sustained rate | ${rate(pipe?.ramp.sustained)} |`,
    `| pipeline (inbound → ingest: routing + rules → store → relay → commands) at 500/s: p50 / p99 / max | ${latency(pipeline?.at500)} |`,
    `| pipeline at 2,000/s: p50 / p99 / max | ${latency(pipeline?.at2000)} |`,
    `| pipeline: highest sustained rate | ${rate(pipeline?.ramp.sustained)}${ratio === undefined ? '' : ` (${(ratio * 100).toFixed(0)}% of the bare pipe)`} |`,
    '',
    `ramp (a step keeps up: generator within 5% of the rate, backlog not growing, p99 ≤ ${P99_LIMIT_MS} ms, drained after):`,
    '',
    '| system | rate/s | achieved/s | p50 ms | p99 ms | max ms | backlog at end | kept up |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...[
      ...(pipe?.ramp.steps.map((s) => ['bare pipe', s] as const) ?? []),
      ...(pipeline?.ramp.steps.map((s) => ['pipeline', s] as const) ?? []),
    ].map(
      ([system, s]) =>
        `| ${system} | ${s.rate} | ${s.achieved} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.max)} | ${s.backlogAtEnd} | ${s.failures.length === 0 ? 'yes' : `no: ${s.failures.join('; ')}`} |`,
    ),
    '',
    'targets:',
  ];
  if (pipeline !== undefined) {
    const p99 = pipeline.at2000.p99;
    lines.push(`  p99 < 25 ms at 2,000 events/s:                     ${ms(p99)} ms  ${p99 < 25 ? 'met' : 'NOT met'}`);
    const sustained = pipeline.ramp.sustained;
    const met = sustained >= 10_000 || (ratio !== undefined && ratio >= 0.5);
    lines.push(
      `  sustained ≥ 10,000 events/s or ≥ 50% of bare pipe: ${rate(sustained)}${ratio === undefined ? '' : ` (${(ratio * 100).toFixed(0)}%)`}  ${met ? 'met' : 'NOT met'}`,
    );
  } else lines.push('  (pipeline phase not run)');
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();

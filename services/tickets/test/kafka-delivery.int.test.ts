import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_REOPEN_POLICY,
  RulesFile,
  type Command,
  type InboundEventInput,
  type RulesFileInput,
} from '@tickets/domain';
import type { EventStore, RecordedEvent } from '@tickets/event-store';
import { createSqliteEventStore } from '@tickets/event-store/sqlite';
import { createIngest, inboundConsumerFor, type Ingest } from '@tickets/ingest';
import { createKafkaCommandSink, kafkaFromEnv, type Kafka, type KafkaSetup } from '@tickets/messaging';
import { createLogger, followUntil } from '@tickets/platform';
import { createMemorySink } from '@tickets/rule-reactor';
import { foldTicketRecords, isInboundRecord } from '@tickets/streams';
import { tempDir, waitFor, NO_RULES } from '@tickets/testing';
import { syntheticEvents } from '@tickets/testing';
import { openRuntime, type Runtime } from '../src/runtime.js';

// Delivery guarantees of the Kafka inbound path against a real broker (no broker is a failure, as in
// kafka.int.test.ts): at-least-once delivery from Kafka, exactly-once effects in the store. Every
// test gets its own topics, consumer group and SQLite file.

// Stored events are compared byte for byte between runtimes (and the crashing child process, which
// is given the same) and bare adapters: personal-data encryption, which seals with random IVs, is off here.
const pii = { encryption: false };

const PACKAGE = join(import.meta.dirname, '..');
const BROKERS = process.env['TICKETS_TEST_KAFKA_BROKERS'] ?? '127.0.0.1:9092';
const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

/** Every customer message gets exactly one command, carrying the inbound event id as correlationId. */
const NOTE_RULES: RulesFileInput = {
  rules: [
    {
      id: 'note-every-message',
      name: 'A note for every customer message',
      when: 'message.received',
      then: [{ type: 'add_internal_note', body: 'Customer wrote: {{message.body}}' }],
    },
  ],
};

type Inbound = InboundEventInput;

// ---------------------------------------------------------------------------------------------
// Clean-up: whatever a test started is stopped, even when it fails half-way.

const cleanups: (() => Promise<void> | void)[] = [];
const onCleanup = (cleanup: () => Promise<void> | void): void => {
  cleanups.push(cleanup);
};

afterEach(async () => {
  const errors: unknown[] = [];
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw errors[0];
});

// ---------------------------------------------------------------------------------------------
// Kafka helpers.

interface TestKafka extends KafkaSetup {
  /** The settings `kafkaFromEnv` was given: a child process builds the same setup from them. */
  readonly settings: Record<string, string>;
  readonly groupId: string;
}

/** Fresh topics and group for one test; deleted again afterwards. */
async function freshKafka(partitions: number): Promise<TestKafka> {
  const run = randomUUID().slice(0, 8);
  const settings = {
    KAFKA_BROKERS: BROKERS,
    KAFKA_CLIENT_ID: `tickets-delivery-${run}`,
    KAFKA_TOPIC_INBOUND: `delivery-${run}.inbound`,
    KAFKA_TOPIC_DLQ: `delivery-${run}.inbound.dlq`,
    KAFKA_TOPIC_COMMANDS: `delivery-${run}.commands`,
    KAFKA_TOPIC_STATE: `delivery-${run}.state`,
    KAFKA_GROUP_INGEST: `delivery-${run}-ingest`,
    KAFKA_PARTITIONS: String(partitions),
  };
  const setup = await kafkaFromEnv(settings, logger);
  if (setup === null) throw new Error('Kafka settings missing');
  onCleanup(async () => {
    const admin = setup.kafka.admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: Object.values(setup.topics) });
      await admin.deleteGroups([settings.KAFKA_GROUP_INGEST]).catch(() => {}); // a group that never committed does not exist
    } finally {
      await admin.disconnect();
    }
  });
  return { ...setup, settings, groupId: settings.KAFKA_GROUP_INGEST };
}

/** Publishes the events in order, keyed by customer (the CloudEvent subject), like an integration does. */
async function produce(kafka: Kafka, topic: string, events: readonly Inbound[]): Promise<void> {
  // Idempotent: a retried send never writes a record twice, so "produced" is an exact count.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < events.length; i += 200) {
      const messages = events.slice(i, i + 200).map((event) => ({ key: event.subject, value: JSON.stringify(event) }));
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Records on a topic: the sum of its partitions' end offsets (no transactions, so no control records). */
async function recordCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Reads every record of a topic, from the beginning, with a throw-away group. */
async function readAllRecords(kafka: Kafka, topic: string): Promise<string[]> {
  const expected = await recordCount(kafka, topic);
  const consumer = kafka.consumer({ groupId: `delivery-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
      },
    });
    await waitFor(() => (values.length >= expected ? true : undefined), {
      timeoutMs: 20_000,
      what: `${expected} records on ${topic}`,
    });
    return values;
  } finally {
    await consumer.disconnect();
  }
}

/** Members of the group once it is stable (not rebalancing), else undefined. */
async function stableMembers(kafka: Kafka, groupId: string): Promise<number | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return groups[0]?.state === 'Stable' ? groups[0].members.length : undefined;
  } finally {
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// Store helpers.

async function readAllOf(store: EventStore, prefixes: readonly string[]): Promise<RecordedEvent[]> {
  const records: RecordedEvent[] = [];
  for (let after = 0; ;) {
    const page = await store.readAll({ after, maxCount: 1_000, streamPrefixes: prefixes });
    const last = page.at(-1);
    if (last === undefined) return records;
    records.push(...page);
    after = last.position;
  }
}

/** Counts the inbound log as it grows, reading only what is new (positions follow commit order). */
function inboundCounter(path: string) {
  const store = createSqliteEventStore({ path });
  onCleanup(() => store.close());
  let after = 0;
  let count = 0;
  return async (): Promise<number> => {
    for (;;) {
      const page = await store.readAll({ after, maxCount: 1_000, streamPrefixes: ['inbound-'] });
      const last = page.at(-1);
      if (last === undefined) return count;
      count += page.length;
      after = last.position;
    }
  };
}

const idOf = (record: RecordedEvent): { id: string; subject: string } => {
  if (!isInboundRecord(record)) throw new Error(`not an inbound record: ${record.type}`);
  return record.data.event as { id: string; subject: string };
};

const byStream = (records: readonly RecordedEvent[]): Map<string, RecordedEvent[]> => {
  const streams = new Map<string, RecordedEvent[]>();
  for (const record of records) {
    const stream = streams.get(record.stream);
    if (stream === undefined) streams.set(record.stream, [record]);
    else stream.push(record);
  }
  return streams;
};

/** A stream's events without their global positions, which depend on how writers interleaved. */
const withoutPositions = (streams: Map<string, RecordedEvent[]>) =>
  new Map([...streams].map(([stream, records]) => [stream, records.map(({ position: _position, ...rest }) => rest)]));

// ---------------------------------------------------------------------------------------------
// Ingest and pipeline compositions.

interface Outcomes {
  accepted: number;
  duplicate: number;
  rejected: number;
}

/** Holds the submits that reach it, after their append, until opened: "busy with a chunk". */
interface Gate {
  readonly reached: Promise<void>;
  open(): void;
}

function gate(): Gate & { enter(): Promise<void> } {
  let reach!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    reached,
    open,
    enter: () => {
      reach();
      return opened;
    },
  };
}

/** The same ingest, counting what became of each submitted event and holding at `hold()`'s gate, if any. */
function counting(ingest: Ingest, outcomes: Outcomes, hold: () => ReturnType<typeof gate> | null = () => null): Ingest {
  return {
    async submit(inputs, via) {
      const results = await ingest.submit(inputs, via);
      for (const result of results) outcomes[result.status]++;
      await hold()?.enter();
      return results;
    },
    fireTimers: (customerIds, until) => ingest.fireTimers(customerIds, until),
    knownCustomer: (customerId) => ingest.knownCustomer(customerId),
    knownTicket: (ticketId) => ingest.knownTicket(ticketId),
    close: () => ingest.close(),
  };
}

/** One ingest service instance: its own connection to the SQLite file, its own ingest, its own consumer. */
function ingestInstance(setup: TestKafka, path: string) {
  const store = createSqliteEventStore({ path });
  const ingest = createIngest({ store, rules: NO_RULES, policy: DEFAULT_REOPEN_POLICY, logger });
  const outcomes: Outcomes = { accepted: 0, duplicate: 0, rejected: 0 };
  let held: ReturnType<typeof gate> | null = null;
  const consumer = inboundConsumerFor(
    setup,
    counting(ingest, outcomes, () => held),
    logger,
  );
  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= (async () => {
      await consumer.stop();
      await ingest.close();
      await store.close();
    })());
  onCleanup(() => {
    held?.open();
    return stop();
  });
  return {
    outcomes,
    start: () => consumer.start(),
    stop,
    /** From now on, each chunk waits after its append (offsets not yet committed) until the gate opens. */
    holdAfterAppend(): Gate {
      held = gate();
      return held;
    },
  };
}

/** `tickets serve` with Kafka, in this process: inbound consumer → ingest (routing + rules) → store → projector, relay → commands topic. */
async function startPipeline(setup: TestKafka, path: string, rules: RulesFile) {
  const runtime: Runtime = await openRuntime({
    store: `sqlite:${path}`,
    rules,
    policy: DEFAULT_REOPEN_POLICY,
    sink: createKafkaCommandSink({ kafka: setup.kafka, topic: setup.topics.commands }),
    logger,
    pii,
  });
  const outcomes: Outcomes = { accepted: 0, duplicate: 0, rejected: 0 };
  const consumer = inboundConsumerFor(setup, counting(runtime.ingest, outcomes), logger);
  let stop!: () => void;
  const stopping = new Promise<void>((resolve) => (stop = resolve));
  let running: Promise<void> | null = null;
  onCleanup(async () => {
    stop();
    await running;
    await runtime.close();
  });
  await consumer.start();
  running = followUntil([(s) => runtime.projector.run(s), (s) => runtime.relay.run(s)], stopping, async () => {
    await consumer.stop();
    await runtime.ingest.close();
  });
  return {
    runtime,
    outcomes,
    /** Until the relay has handled every ticket event appended so far. */
    async settled(): Promise<void> {
      const behind = async (subscriber: string) =>
        (
          await runtime.store.readAll({
            after: await runtime.checkpoints.load(subscriber),
            maxCount: 1,
            streamPrefixes: ['ticket-'],
          })
        ).length > 0;
      await waitFor(async () => ((await behind('command-relay')) ? undefined : true), {
        timeoutMs: 20_000,
        what: 'the relay to catch up',
      });
    },
  };
}

/**
 * The same pipeline in a child process that dies the hard way. Its ingest appends each chunk
 * durably and then never returns, so the consumer never commits an offset; its command sink
 * publishes and then never returns, so the relay never moves its checkpoint. The parent SIGKILLs it
 * there: the worst moment for both the inbound offsets and the outbox.
 */
const CRASHING_PIPELINE = `
import { DEFAULT_REOPEN_POLICY, RulesFile } from '@tickets/domain';
import { inboundConsumerFor } from '@tickets/ingest';
import { createKafkaCommandSink, kafkaFromEnv } from '@tickets/messaging';
import { createLogger, followUntil } from '@tickets/platform';
const [runtimeUrl, store, settings, rules] = process.argv.slice(1);
const { openRuntime } = await import(runtimeUrl);
const logger = createLogger({ level: 'silent' });
const say = (fact) => process.stdout.write(JSON.stringify(fact) + '\\n');
const never = new Promise(() => {});
const setup = await kafkaFromEnv(JSON.parse(settings), logger);
// The group drops a killed member after its session timeout: 6 s (the broker's minimum), not 30 s.
const consumerOf = setup.kafka.consumer.bind(setup.kafka);
setup.kafka.consumer = (config) => consumerOf({ ...config, sessionTimeout: 6000, rebalanceTimeout: 6000, heartbeatInterval: 500 });
const kafkaSink = createKafkaCommandSink({ kafka: setup.kafka, topic: setup.topics.commands });
const sink = {
  publish: async (commands) => { await kafkaSink.publish(commands); say({ published: commands.length }); return never; },
  close: () => kafkaSink.close(),
};
const runtime = await openRuntime({ store, rules: RulesFile.parse(JSON.parse(rules)), policy: DEFAULT_REOPEN_POLICY, sink, logger, pii: { encryption: false } });
const ingest = {
  submit: async (events, via) => { const results = await runtime.ingest.submit(events, via); say({ appended: results.length }); return never; },
  close: () => runtime.ingest.close(),
};
await inboundConsumerFor(setup, ingest, logger).start();
await followUntil([(signal) => runtime.relay.run(signal)], never);
`;

/** Runs CRASHING_PIPELINE until it has appended and published, then SIGKILLs it. */
async function crashAfterAppendAndPublish(setup: TestKafka, path: string): Promise<void> {
  // The child runs the compiled packages (the build precedes the tests), resolved from this package.
  const runtimeUrl = pathToFileURL(join(PACKAGE, 'dist/runtime.js')).href;
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      CRASHING_PIPELINE,
      '--',
      runtimeUrl,
      `sqlite:${path}`,
      JSON.stringify(setup.settings),
      JSON.stringify(NOTE_RULES),
    ],
    { cwd: PACKAGE, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const facts = { appended: 0, published: 0 };
  createInterface({ input: child.stdout }).on('line', (line) => {
    const fact = JSON.parse(line) as Partial<typeof facts>;
    facts.appended += fact.appended ?? 0;
    facts.published += fact.published ?? 0;
  });
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`the crashing pipeline exited early (${child.exitCode}): ${stderr}`);
      return facts.appended > 0 && facts.published > 0 ? true : undefined;
    },
    { timeoutMs: 30_000, what: 'the child to append a chunk and publish commands' },
  );
  child.kill('SIGKILL');
  await exited;
}

/** The same events and rules through a fresh embedded pipeline, no Kafka, no crash: the reference. */
async function cleanRun(events: readonly Inbound[], rules: RulesFile) {
  using dir = tempDir();
  const sink = createMemorySink();
  const runtime = await openRuntime({
    store: `sqlite:${join(dir.path, 'clean.db')}`,
    rules,
    policy: DEFAULT_REOPEN_POLICY,
    sink,
    logger,
    pii,
  });
  try {
    await runtime.ingest.submit(events, 'kafka');
    await runtime.settle();
    await runtime.relay.catchUp();
    return {
      streams: byStream(await readAllOf(runtime.store, ['ticket-', 'customer-'])),
      commands: [...sink.commands],
    };
  } finally {
    await runtime.close();
  }
}

// ---------------------------------------------------------------------------------------------

describe('Kafka delivery: at-least-once in, exactly once in the store (real broker)', () => {
  it('a crash between the durable append and the offset commit redelivers the chunk: no duplicate events, no second different command', async () => {
    const setup = await freshKafka(3);
    const dir = tempDir();
    onCleanup(() => dir[Symbol.dispose]());
    const path = join(dir.path, 'tickets.db');
    const rules = RulesFile.parse(NOTE_RULES);
    // 15 customers: first contacts, more messages, agents closing tickets, replies that reopen them.
    const events = syntheticEvents(150, 15, 7) as Inbound[];
    const beforeCrash = events.slice(0, 100);
    const whileDown = events.slice(100);

    await produce(setup.kafka, setup.topics.inbound, beforeCrash);
    await crashAfterAppendAndPublish(setup, path);
    const observer = createSqliteEventStore({ path });
    onCleanup(() => observer.close());
    const appendedBeforeCrash = (await readAllOf(observer, ['inbound-'])).length;
    expect(appendedBeforeCrash).toBeGreaterThan(0);

    // More traffic arrives while the service is down; then it restarts on the same store and group.
    await produce(setup.kafka, setup.topics.inbound, whileDown);
    const pipeline = await startPipeline(setup, path, rules);
    await waitFor(
      () => (pipeline.outcomes.accepted + pipeline.outcomes.duplicate >= events.length ? true : undefined),
      {
        timeoutMs: 30_000,
        what: 'every record to be redelivered or delivered',
      },
    );
    await pipeline.settled();

    // Nothing was committed before the crash: every record came again, and what was already
    // appended was recognised as a duplicate, not decided a second time.
    expect(pipeline.outcomes.accepted).toBe(events.length - appendedBeforeCrash);
    expect(pipeline.outcomes.duplicate).toBeGreaterThanOrEqual(appendedBeforeCrash);
    expect(pipeline.outcomes.rejected).toBe(0);

    // Each inbound event is in the inbound log exactly once; no event id is stored twice anywhere.
    const all = await readAllOf(observer, ['inbound-', 'ticket-', 'customer-']);
    const inbound = all.filter((r) => r.stream.startsWith('inbound-')).map((r) => idOf(r).id);
    expect(inbound.toSorted()).toEqual(events.map((e) => e.id).toSorted());
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);

    // The ticket and customer streams hold what a clean run holds, event for event: routing and
    // rule decisions are made together, so a crash and a redelivery cannot reorder them.
    const clean = await cleanRun(events, rules);
    const streams = byStream(all.filter((r) => !r.stream.startsWith('inbound-')));
    expect([...streams.keys()].toSorted()).toEqual([...clean.streams.keys()].toSorted());
    expect(withoutPositions(streams)).toEqual(withoutPositions(clean.streams));

    // The commands topic: the relay published the crashed run's batch again (same ids), and a
    // command id never comes with another content. The ids are exactly the clean run's.
    const published = (await readAllRecords(setup.kafka, setup.topics.commands)).map(
      (value) => JSON.parse(value) as Command,
    );
    const cleanById = new Map(clean.commands.map((c) => [c.id, c]));
    expect(cleanById.size).toBe(events.filter((e) => e.type === 'message.received').length);
    expect(new Set(published.map((c) => c.id))).toEqual(new Set(cleanById.keys()));
    for (const command of published) expect(command).toEqual(cleanById.get(command.id));
    expect(published.length).toBeGreaterThan(cleanById.size);
    expect(await recordCount(setup.kafka, setup.topics.deadLetters)).toBe(0);
  }, 60_000);

  describe('two ingest instances in one consumer group, each on its own connection to one SQLite file', () => {
    // Two connections, not one shared store: like two service replicas, each instance has its own
    // state cache and its own write transactions, so they really race on the same streams and only
    // the store's expected-version checks keep them apart.
    const CUSTOMERS = 200;
    const events = syntheticEvents(2_000, CUSTOMERS, 11) as Inbound[];

    /** Exactly once, in order, one ticket per conversation: the store compared with the produced events and a clean run. */
    async function expectEveryEventOnceInOrder(
      path: string,
      instances: readonly { outcomes: Outcomes }[],
      setup: TestKafka,
    ): Promise<void> {
      const store = createSqliteEventStore({ path });
      onCleanup(() => store.close());

      // Every event processed exactly once: accepted once by one instance, logged once, no dead letter.
      expect(instances.reduce((sum, i) => sum + i.outcomes.accepted, 0)).toBe(events.length);
      expect(instances.reduce((sum, i) => sum + i.outcomes.rejected, 0)).toBe(0);
      expect(await recordCount(setup.kafka, setup.topics.deadLetters)).toBe(0);
      const inbound = (await readAllOf(store, ['inbound-'])).map(idOf);
      expect(inbound).toHaveLength(events.length);
      expect(new Set(inbound.map((e) => e.id)).size).toBe(events.length);

      // Per customer, the inbound log (commit order) is the produce order.
      const idsByCustomer = (list: readonly { id: string; subject: string }[]) => {
        const map = new Map<string, string[]>();
        for (const { id, subject } of list) map.set(subject, [...(map.get(subject) ?? []), id]);
        return map;
      };
      expect(idsByCustomer(inbound)).toEqual(idsByCustomer(events));

      // Each ticket's messages follow the produce order.
      const produceIndex = new Map(events.map((e, i) => [e.id, i]));
      const streams = byStream(await readAllOf(store, ['ticket-', 'customer-']));
      for (const [stream, records] of streams) {
        const order = records
          .filter((r) => r.type === 'MessageReceived')
          .map((r) => produceIndex.get(r.metadata.correlationId ?? '') ?? -1);
        expect(order, stream).toEqual(order.toSorted((a, b) => a - b));
        expect(order.every((i) => i >= 0)).toBe(true);
      }

      // Exactly one ticket per conversation (customer + channel): racing first messages made no
      // second one. In this workload every close is followed inside the reopen window, so a
      // conversation never needs a follow-up ticket.
      const tickets = [...streams]
        .filter(([stream]) => stream.startsWith('ticket-'))
        .map(([, records]) => foldTicketRecords(records));
      const conversations = new Map<string, number>();
      for (const ticket of tickets) {
        const key = `${ticket?.customer.id}/${ticket?.channel}`;
        conversations.set(key, (conversations.get(key) ?? 0) + 1);
      }
      expect(conversations.size).toBe(CUSTOMERS);
      expect([...conversations.values()].every((count) => count === 1)).toBe(true);

      // And the whole decision history is the one a single ingest makes from the same events.
      const clean = await cleanIngest(events);
      expect(withoutPositions(streams)).toEqual(withoutPositions(clean));
    }

    it('share six partitions: every event processed exactly once, per-customer order kept, one ticket per conversation', async () => {
      const setup = await freshKafka(6);
      const dir = tempDir();
      onCleanup(() => dir[Symbol.dispose]());
      const path = join(dir.path, 'tickets.db');
      const a = ingestInstance(setup, path);
      const b = ingestInstance(setup, path);
      await a.start();
      await b.start();
      await waitFor(() => stableMembers(setup.kafka, setup.groupId).then((n) => (n === 2 ? true : undefined)), {
        what: 'both instances in the group',
      });

      await produce(setup.kafka, setup.topics.inbound, events);
      const inboundCount = inboundCounter(path);
      await waitFor(async () => ((await inboundCount()) >= events.length ? true : undefined), {
        timeoutMs: 30_000,
        what: 'every event in the inbound log',
      });
      await a.stop();
      await b.stop();

      // Both shared the work.
      expect(a.outcomes.accepted).toBeGreaterThan(0);
      expect(b.outcomes.accepted).toBeGreaterThan(0);
      await expectEveryEventOnceInOrder(path, [a, b], setup);
    }, 60_000);

    it('one of them restarting mid-run (two rebalances) changes none of that', async () => {
      const setup = await freshKafka(6);
      const dir = tempDir();
      onCleanup(() => dir[Symbol.dispose]());
      const path = join(dir.path, 'tickets.db');
      const inboundCount = inboundCounter(path);
      const a = ingestInstance(setup, path);
      const b = ingestInstance(setup, path);
      await a.start();
      await b.start();
      await waitFor(() => stableMembers(setup.kafka, setup.groupId).then((n) => (n === 2 ? true : undefined)), {
        what: 'both instances in the group',
      });

      await produce(setup.kafka, setup.topics.inbound, events.slice(0, 800));
      await waitFor(async () => ((await inboundCount()) >= 400 ? true : undefined), {
        timeoutMs: 30_000,
        what: 'the first events to be appended',
      });
      // B is told to stop while it holds a chunk it has appended but not yet committed.
      const busy = b.holdAfterAppend();
      await produce(setup.kafka, setup.topics.inbound, events.slice(800, 1_100));
      await busy.reached;
      const bGone = b.stop();
      busy.open();
      await bGone;
      // Traffic keeps coming while B is away: only A can append it, so A has taken over B's partitions.
      await produce(setup.kafka, setup.topics.inbound, events.slice(1_100, 1_400));
      await waitFor(async () => ((await inboundCount()) >= 1_400 ? true : undefined), {
        timeoutMs: 30_000,
        what: 'A alone to catch up',
      });
      // B comes back as a fresh process would (new connection, new ingest, new consumer) and rejoins
      // while traffic arrives; then both share the rest.
      const restarted = ingestInstance(setup, path);
      await Promise.all([restarted.start(), produce(setup.kafka, setup.topics.inbound, events.slice(1_400, 1_700))]);
      await produce(setup.kafka, setup.topics.inbound, events.slice(1_700));
      await waitFor(async () => ((await inboundCount()) >= events.length ? true : undefined), {
        timeoutMs: 30_000,
        what: 'every event in the inbound log',
      });
      await a.stop();
      await restarted.stop();

      expect(restarted.outcomes.accepted).toBeGreaterThan(0);
      await expectEveryEventOnceInOrder(path, [a, b, restarted], setup);
    }, 60_000);
  });

  // kafkajs's consumer.commitOffsets() returns without committing once the consumer is stopping;
  // the inbound consumer commits through eachBatch's commitOffsetsIfNecessary, which does.
  it('a graceful stop commits the offsets of the chunk it was handling', async () => {
    const setup = await freshKafka(1);
    const dir = tempDir();
    onCleanup(() => dir[Symbol.dispose]());
    const instance = ingestInstance(setup, join(dir.path, 'tickets.db'));
    const busy = instance.holdAfterAppend();
    await instance.start();
    await produce(setup.kafka, setup.topics.inbound, syntheticEvents(20, 5) as Inbound[]);
    await busy.reached;
    const stopped = instance.stop();
    busy.open();
    await stopped;

    const admin = setup.kafka.admin();
    await admin.connect();
    onCleanup(() => admin.disconnect());
    const [committed] = await admin.fetchOffsets({ groupId: setup.groupId, topics: [setup.topics.inbound] });
    expect(committed?.partitions).toEqual([{ partition: 0, offset: '20', metadata: null }]);
  }, 30_000);
});

/** The events through one ingest on a fresh store, in produce order: the reference decisions. */
async function cleanIngest(events: readonly Inbound[]): Promise<Map<string, RecordedEvent[]>> {
  using dir = tempDir();
  const store = createSqliteEventStore({ path: join(dir.path, 'clean.db') });
  const ingest = createIngest({ store, rules: NO_RULES, policy: DEFAULT_REOPEN_POLICY, logger });
  try {
    await ingest.submit(events, 'kafka');
    return byStream(await readAllOf(store, ['ticket-', 'customer-']));
  } finally {
    await ingest.close();
    await store.close();
  }
}

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command, TicketState } from '@tickets/domain';
import { openStore, parseStoreUrl, type CheckpointStore, type EventStore } from '@tickets/event-store';
import { kafkaFromEnv, type KafkaSetup } from '@tickets/messaging';
import { delay, type Logger } from '@tickets/platform';
import { openTicketReadModel, STATE_RELAY_SUBSCRIBER, type TicketReadModel } from '@tickets/projector';
import { RELAY_SUBSCRIBER } from '@tickets/rule-reactor';
import { TICKET_STREAM_PREFIX } from '@tickets/domain';
import { INBOUND_STREAM_PREFIX } from '@tickets/streams';
import { simulate } from '@tickets/cli';
import { compareBounce, type BounceComparison, type ReceivedCommand } from './bounce-compare.js';
import { prng, syntheticEvents } from '@tickets/testing';
import { ONE_EACH, SERVICE_NAMES, ServiceProcesses, type Replicas, type ServiceName } from './service-processes.js';
import { summarise, TakeoverWatch, type Recovery } from './takeover-watch.js';

export interface BounceOptions {
  readonly events: number;
  readonly customers: number;
  /** kill: SIGKILL (a crash); term: SIGTERM (a graceful stop, e.g. a deployment). */
  readonly mode: 'kill' | 'term';
  /** Mean seconds between two stops (each wait is drawn between half and one and a half of it). */
  readonly intervalSeconds: number;
  /**
   * The run does not end before this many stops (default 0): on a fast machine the pipeline can be
   * quiet again before the interval has come round that often, and a run with too few stops proves
   * little. Stops still missing then land on a quiet pipeline, which must recover all the same.
   */
  readonly minimumStops?: number;
  /**
   * Events per second produced to the inbound topic (0: as fast as the broker takes them). Nothing
   * waits for the pipeline: each customer's events are only kept in order (the topic's key).
   */
  readonly rate: number;
  readonly seed: number;
  readonly brokers: string;
  readonly partitions: number;
  /** sqlite (one file shared by the four processes) or postgres (a fresh schema in this database). */
  readonly store: 'sqlite' | 'postgres';
  readonly postgresUrl: string;
  /** The services' log level (their logs go to files in the run's directory). */
  readonly logLevel: string;
  /** Give up waiting for the pipeline to go quiet after this long. */
  readonly timeoutSeconds: number;
  /** Keep the run's directory (events, store, service logs) instead of deleting it. */
  readonly keep: boolean;
  readonly logger: Logger;
  readonly progress?: (line: string) => void;
  /**
   * Instances of each service (default one each). With several, the supervisor kills one instance at
   * a time and the report times each recovery: the ingest group's rebalance and, on PostgreSQL, the
   * standby's takeover of each follower role the killed process held (docs/scaling.md).
   */
  readonly replicas?: Replicas;
}

export interface BounceReport {
  readonly options: {
    events: number;
    customers: number;
    mode: string;
    intervalSeconds: number;
    minimumStops: number;
    rate: number;
    seed: number;
    store: string;
    partitions: number;
    replicas: Replicas;
  };
  /** Stops made by the supervisor, per service. */
  readonly stops: Record<ServiceName, number>;
  readonly stopsTotal: number;
  /** Stops made before the pipeline was first quiet with every event produced: while events flowed. */
  readonly stopsWhileFlowing: number;
  /** SIGTERMs the process did not honour within the grace period (then SIGKILLed). */
  readonly forcedStops: number;
  /** Exits the supervisor did not cause (each was restarted; the service's log says why). */
  readonly unexpectedExits: Record<ServiceName, number>;
  /** Each exit the supervisor did not cause: the instance, its exit code or signal and its last log lines. */
  readonly exits: readonly UnexpectedExit[];
  readonly quiet: boolean;
  readonly comparison: BounceComparison;
  readonly seconds: { simulate: number; produce: number; pipeline: number; total: number };
  /** The run's directory when kept (--keep or a failed comparison), else null. */
  readonly dir: string | null;
  /** Each recovery after a SIGKILL (only timed with several instances of a service). */
  readonly recoveries: readonly Recovery[];
  /** The recoveries per kind: count, median and maximum seconds, how many never happened within 60 s. */
  readonly recoverySummary: ReturnType<typeof summarise>;
}

export interface UnexpectedExit {
  readonly instance: string;
  readonly code: number | null;
  readonly signal: string | null;
  readonly lastLines: readonly string[];
}

const BIN = resolve(import.meta.dirname, '../../services/tickets/bin/tickets.mjs');

/**
 * The bounce test: the same events through `tickets simulate` and through the four services on
 * Kafka while a supervisor stops (SIGKILL or SIGTERM) a random one every few seconds and starts it
 * again; once the pipeline is quiet, its ticket states, commands and stored events are compared
 * with simulate's.
 */
export async function runBounce(options: BounceOptions): Promise<BounceReport> {
  const began = performance.now();
  const say = options.progress ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'tickets-bounce-'));
  const eventsFile = join(dir, 'events.ndjson');
  const events = syntheticEvents(options.events, options.customers, options.seed);
  writeFileSync(eventsFile, `${events.map((event) => JSON.stringify(event)).join('\n')}\n`);

  say(`simulate: ${options.events} events over ${options.customers} customers`);
  let mark = performance.now();
  const reference = await simulate({ events: eventsFile }, options.logger);
  const simulateSeconds = (performance.now() - mark) / 1000;
  say(
    `simulate: ${reference.tickets.length} tickets, ${reference.commands.length} commands in ${simulateSeconds.toFixed(1)} s`,
  );

  const run = randomUUID().slice(0, 8);
  const schema = `bounce_${run}`;
  const storeUrl =
    options.store === 'sqlite' ? `sqlite:${join(dir, 'tickets.db')}` : withSchema(options.postgresUrl, schema);
  const settings: Record<string, string> = {
    KAFKA_BROKERS: options.brokers,
    KAFKA_CLIENT_ID: `bounce-${run}`,
    KAFKA_TOPIC_INBOUND: `bounce-${run}.inbound`,
    KAFKA_TOPIC_DLQ: `bounce-${run}.inbound.dlq`,
    KAFKA_TOPIC_COMMANDS: `bounce-${run}.commands`,
    KAFKA_TOPIC_STATE: `bounce-${run}.state`,
    KAFKA_GROUP_INGEST: `bounce-${run}-ingest`,
    KAFKA_PARTITIONS: String(options.partitions),
    // A killed ingest's partitions wait this long for it: the shortest the broker allows by default.
    KAFKA_SESSION_TIMEOUT_MS: '6000',
  };
  const kafka = await kafkaFromEnv(settings, options.logger);
  if (kafka === null) throw new Error('no Kafka brokers');
  // Opened (schema created) before any service starts, so that four processes never migrate at once.
  const location = parseStoreUrl(storeUrl);
  const { store, checkpoints } = await openStore(location);
  const readModel = await openTicketReadModel(location);
  const replicas = options.replicas ?? ONE_EACH;
  const services = new ServiceProcesses({
    bin: BIN,
    store: storeUrl,
    env: settings,
    // Each instance its own Kafka client id: the ingest group's members are told apart by it.
    instanceEnv: (instance) => ({ KAFKA_CLIENT_ID: `bounce-${run}-${instance.id}` }),
    logDir: dir,
    logLevel: options.logLevel,
    replicas,
  });
  const scaled = Object.values(replicas).some((count) => count > 1);
  const leaseView =
    scaled && options.store === 'postgres' ? await TakeoverWatch.postgresHolders(options.postgresUrl) : null;
  const watch = new TakeoverWatch(leaseView?.holders ?? null, kafka, `bounce-${run}-ingest`);
  const commands = await readTopic(kafka, kafka.topics.commands, `bounce-${run}-commands-reader`);
  const deadLetters = await readTopic(kafka, kafka.topics.deadLetters, `bounce-${run}-dlq-reader`);
  const stops = Object.fromEntries(SERVICE_NAMES.map((name) => [name, 0])) as Record<ServiceName, number>;
  const unexpectedExits = Object.fromEntries(SERVICE_NAMES.map((name) => [name, 0])) as Record<ServiceName, number>;
  const exits: UnexpectedExit[] = [];
  let forcedStops = 0;
  let keepDir = options.keep;
  // Set when the run ends, however it ends: the supervisor then starts nothing again.
  let finished = false;
  let supervising: Promise<boolean> = Promise.resolve(false);
  try {
    services.startAll();
    const storeWatch = new StoreWatch(store);
    const quiet = new Quietness(kafka, storeWatch, checkpoints, readModel, commands, `bounce-${run}-ingest`);

    // The supervisor: from the first event on, a random service every few seconds, until the
    // pipeline has everything and is quiet (looked at every second, so a long interval does not
    // delay the end).
    const pipelineBegan = performance.now();
    const minimumStops = options.minimumStops ?? 0;
    const stopsMade = (): number => Object.values(stops).reduce((a, b) => a + b, 0);
    let stopsWhileFlowing: number | undefined;
    let producing = true;
    const random = prng(options.seed ^ 0x5eed);
    const nextStop = (): number => performance.now() + options.intervalSeconds * 1000 * (0.5 + random());
    const supervisor = (supervising = (async () => {
      const deadline = performance.now() + options.timeoutSeconds * 1000;
      let stopAt = nextStop();
      for (;;) {
        await delay(1_000);
        if (finished) return false;
        for (const instance of services.exitedByItself()) {
          unexpectedExits[instance.service]++;
          exits.push({ instance: instance.id, ...services.exitOf(instance) });
          keepDir = true;
          say(`${instance.id} exited by itself (see ${join(dir, `${instance.id}.log`)}); restarting it`);
          services.start(instance);
        }
        if (!producing && (await quiet.check())) {
          if (stopsWhileFlowing === undefined) stopsWhileFlowing = stopsMade();
          if (stopsMade() >= minimumStops) return true;
        }
        if (performance.now() > deadline) return false;
        if (performance.now() < stopAt) continue;
        const instance = services.instances[Math.floor(random() * services.instances.length)] ?? services.instances[0]!;
        const timing = scaled && options.mode === 'kill';
        const killed = !timing
          ? () => {}
          : instance.service === 'ingest'
            ? await watch.beforeIngestKill(`bounce-${run}-${instance.id}`)
            : await watch.beforeFollowerKill(services.pid(instance) ?? -1);
        const { forced } = await services.stop(instance, options.mode === 'kill' ? 'SIGKILL' : 'SIGTERM');
        killed();
        if (forced) forcedStops++;
        stops[instance.service]++;
        services.start(instance);
        stopAt = nextStop();
      }
    })());

    mark = performance.now();
    try {
      await produce(kafka, events, options.rate);
    } finally {
      producing = false;
    }
    const produceSeconds = (performance.now() - mark) / 1000;
    say(
      `produced ${events.length} events in ${produceSeconds.toFixed(1)} s; stopping services until the pipeline is quiet`,
    );
    const wasQuiet = await supervisor;
    const pipelineSeconds = (performance.now() - pipelineBegan) / 1000;
    const stopsTotal = stopsMade();
    say(`${wasQuiet ? 'quiet' : 'NOT quiet (timeout)'} after ${pipelineSeconds.toFixed(1)} s and ${stopsTotal} stops`);
    // The recoveries of the last kills are awaited while the services still run: stopped, an ingest
    // group is Empty, never Stable again, and a kill just before the pipeline went quiet would count
    // as a recovery that never happened (a clean-clone run failed on exactly that).
    const recoveries = await watch.recoveries();
    await services.stopAll();

    const comparison = compareBounce(
      {
        tickets: reference.tickets,
        commands: reference.commands as Command[],
        accepted: reference.stats.accepted,
        rejected: reference.stats.rejected,
      },
      {
        tickets: (await readModel.all()) as TicketState[],
        commands: commands.records,
        inboundStored: await storeWatch.inboundStored(),
        deadLetters: deadLetters.records.length,
      },
    );
    if (!comparison.equal || !wasQuiet) keepDir = true;
    return {
      options: {
        events: options.events,
        customers: options.customers,
        mode: options.mode,
        intervalSeconds: options.intervalSeconds,
        minimumStops,
        rate: options.rate,
        seed: options.seed,
        store: options.store,
        partitions: options.partitions,
        replicas,
      },
      stops,
      stopsTotal,
      stopsWhileFlowing: stopsWhileFlowing ?? stopsTotal,
      forcedStops,
      unexpectedExits,
      exits,
      quiet: wasQuiet,
      comparison,
      seconds: {
        simulate: round(simulateSeconds),
        produce: round(produceSeconds),
        pipeline: round(pipelineSeconds),
        total: round((performance.now() - began) / 1000),
      },
      dir: keepDir ? dir : null,
      recoveries,
      recoverySummary: summarise(recoveries),
    };
  } finally {
    finished = true;
    await supervising.catch(() => false);
    await services.stopAll();
    await watch.recoveries().catch(() => []);
    await leaseView?.close();
    await commands.stop();
    await deadLetters.stop();
    await readModel.close();
    await checkpoints.close();
    await store.close();
    const admin = kafka.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(kafka.topics) }).catch(() => {});
    await admin
      .deleteGroups([`bounce-${run}-ingest`, `bounce-${run}-commands-reader`, `bounce-${run}-dlq-reader`])
      .catch(() => {});
    await admin.disconnect();
    if (options.store === 'postgres' && !keepDir) await dropSchema(options.postgresUrl, schema);
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
  }
}

const round = (seconds: number): number => Math.round(seconds * 10) / 10;

const withSchema = (url: string, schema: string): string => {
  const parsed = new URL(url);
  parsed.searchParams.set('schema', schema);
  return parsed.toString();
};

async function dropSchema(url: string, schema: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

type Producer = ReturnType<KafkaSetup['kafka']['producer']>;

/** One send at a time, key = the customer (the event's subject): a later batch never overtakes an earlier one. */
async function sendInOrder(producer: Producer, topic: string, events: readonly object[]): Promise<void> {
  for (let i = 0; i < events.length; i += 500) {
    const messages = events.slice(i, i + 500).map((event) => ({
      key: (event as { subject: string }).subject,
      value: JSON.stringify(event),
      headers: { 'content-type': 'application/cloudevents+json' },
    }));
    await producer.send({ topic, acks: -1, messages });
  }
}

/** Produces the events in file order at `rate` per second (0: unthrottled), each customer's in the order simulate reads them. */
async function produce(kafka: KafkaSetup, events: readonly object[], rate: number): Promise<void> {
  const producer = kafka.kafka.producer();
  await producer.connect();
  try {
    const slice = rate > 0 ? Math.max(1, Math.round(rate / 10)) : events.length;
    const began = performance.now();
    for (let i = 0; i < events.length; i += slice) {
      await sendInOrder(producer, kafka.topics.inbound, events.slice(i, i + slice));
      const wait = began + ((i + slice) / (rate > 0 ? rate : Infinity)) * 1000 - performance.now();
      if (wait > 0) await delay(wait);
    }
  } finally {
    await producer.disconnect();
  }
}

interface TopicReader {
  readonly records: ReceivedCommand[];
  /** The offset after the last record read, per partition. */
  readonly next: Map<number, number>;
  stop(): Promise<void>;
}

/** Reads a whole topic from the beginning, as a downstream consumer would, keeping every record. */
async function readTopic(kafka: KafkaSetup, topic: string, groupId: string): Promise<TopicReader> {
  const consumer = kafka.kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  const records: ReceivedCommand[] = [];
  const next = new Map<number, number>();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const value = JSON.parse(message.value?.toString('utf8') ?? 'null') as { id?: unknown } | null;
      records.push({
        id: typeof value?.id === 'string' ? value.id : `(no id at ${partition}/${message.offset})`,
        value,
      });
      next.set(partition, Number(message.offset) + 1);
    },
  });
  return { records, next, stop: () => consumer.disconnect() };
}

/** Reads the store forwards as it grows: inbound records stored, and where the last ticket event is. */
class StoreWatch {
  #inboundAfter = 0;
  #inbound = 0;
  #ticketAfter = 0;

  constructor(readonly store: EventStore) {}

  async inboundStored(): Promise<number> {
    for (;;) {
      const page = await this.store.readAll({
        after: this.#inboundAfter,
        maxCount: 10_000,
        streamPrefixes: [INBOUND_STREAM_PREFIX],
      });
      const last = page.at(-1);
      if (last === undefined) return this.#inbound;
      this.#inbound += page.length;
      this.#inboundAfter = last.position;
    }
  }

  async lastTicketPosition(): Promise<number> {
    for (;;) {
      const page = await this.store.readAll({
        after: this.#ticketAfter,
        maxCount: 10_000,
        streamPrefixes: [TICKET_STREAM_PREFIX],
      });
      const last = page.at(-1);
      if (last === undefined) return this.#ticketAfter;
      this.#ticketAfter = last.position;
    }
  }
}

/**
 * The pipeline is quiet when the ingest group has committed every inbound record, the projector,
 * the command relay and the state relay have all reached the last ticket event, the
 * commands reader has read every published command, and none of that moved for one more look.
 */
class Quietness {
  #previous = '';

  constructor(
    private readonly kafka: KafkaSetup,
    private readonly watch: StoreWatch,
    private readonly checkpoints: CheckpointStore,
    private readonly readModel: TicketReadModel,
    private readonly commands: TopicReader,
    private readonly ingestGroup: string,
  ) {}

  /** True once two looks a second apart find everything caught up and nothing moved in between. */
  async check(): Promise<boolean> {
    this.#previous = '';
    for (let look = 0; look < 2; look++) {
      const snapshot = await this.#snapshot();
      if (snapshot === null) return false;
      if (snapshot === this.#previous) return true;
      this.#previous = snapshot;
      await delay(1_000);
    }
    return false;
  }

  /** A fingerprint of the caught-up state, or null while something is behind. */
  async #snapshot(): Promise<string | null> {
    const admin = this.kafka.kafka.admin();
    await admin.connect();
    try {
      const inbound = await admin.fetchTopicOffsets(this.kafka.topics.inbound);
      const [committed] = await admin.fetchOffsets({ groupId: this.ingestGroup, topics: [this.kafka.topics.inbound] });
      for (const { partition, high } of inbound) {
        const offset = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
        if (Number(offset) < Number(high)) return null;
      }
      const head = await this.watch.store.headPosition();
      const lastTicket = await this.watch.lastTicketPosition();
      const positions = [
        await this.readModel.checkpoint(),
        await this.checkpoints.load(RELAY_SUBSCRIBER),
        await this.checkpoints.load(STATE_RELAY_SUBSCRIBER),
      ];
      if (positions.some((position) => position < lastTicket)) return null;
      const published = await admin.fetchTopicOffsets(this.kafka.topics.commands);
      for (const { partition, high } of published)
        if ((this.commands.next.get(partition) ?? 0) < Number(high)) return null;
      return JSON.stringify({ head, positions, records: this.commands.records.length });
    } finally {
      await admin.disconnect();
    }
  }
}

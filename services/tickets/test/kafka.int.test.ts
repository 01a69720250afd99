import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CloudEvent, Kafka as CloudEventsKafka, type KafkaMessage } from 'cloudevents';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES, ticketIdFor, type Command, type TicketState } from '@tickets/domain';
import { inboundConsumerFor } from '@tickets/ingest';
import {
  consumerConnected,
  createKafkaCommandSink,
  createKafkaStatePublisher,
  kafkaReadiness,
  STATE_SOURCE,
  STATE_TYPE,
  type Kafka,
  type KafkaSetup,
} from '@tickets/messaging';
import {
  createLogger,
  createPrometheusMetrics,
  followUntil,
  noopMetrics,
  type PipelineMetrics,
} from '@tickets/platform';
import { createStateRelay } from '@tickets/projector';
import { createMemorySink } from '@tickets/rule-reactor';
import { AGENT_SOURCE, MARIE, SMS_SOURCE, tempDir, waitFor } from '@tickets/testing';
import { feedEvents } from '../src/feed-events.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { openFreshKafka } from './kafka-test-topics.js';

// Against a real Apache Kafka broker: `npm test` starts one (infra/kafka/kafka.sh) unless
// TICKETS_TEST_KAFKA_BROKERS names another. These tests never skip: no broker is a failure.

const REPO = resolve(import.meta.dirname, '../../..');
const SEED = join(REPO, 'examples/seed-sms-story.ndjson');
const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

interface Received {
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Record<string, string>;
}

/** Reads a topic from the beginning with a fresh group until `enough` says so. */
async function readTopic(kafka: Kafka, topic: string, enough: (records: Received[]) => boolean): Promise<Received[]> {
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const records: Received[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {}))
          headers[name] = String(Array.isArray(value) ? value[0] : value);
        records.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers });
      },
    });
    await waitFor(() => (enough(records) ? true : undefined), { timeoutMs: 30_000, what: `records on ${topic}` });
    return records;
  } finally {
    await consumer.disconnect();
  }
}

/** A whole `tickets serve` pipeline wired to Kafka, in this process, on a throw-away store. */
async function startPipeline(setup: KafkaSetup, metrics: PipelineMetrics = noopMetrics) {
  const dir = tempDir();
  const runtime: Runtime = await openRuntime({
    store: `sqlite:${join(dir.path, 'tickets.db')}`,
    rules: DEFAULT_RULES,
    policy: DEFAULT_REOPEN_POLICY,
    sink: createKafkaCommandSink({ kafka: setup.kafka, topic: setup.topics.commands }),
    logger,
    metrics,
  });
  const consumer = inboundConsumerFor(setup, runtime.ingest, logger, { metrics });
  const publisher = createKafkaStatePublisher({ kafka: setup.kafka, topic: setup.topics.state });
  const relay = createStateRelay({
    store: runtime.store,
    readModel: runtime.readModel,
    checkpoints: runtime.checkpoints,
    publisher,
    logger,
    pollIntervalMs: 20,
  });
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  await consumer.start();
  const running = followUntil(
    [(s) => runtime.projector.run(s), (s) => runtime.relay.run(s), (s) => relay.run(s)],
    stopped,
    () => consumer.stop(),
  );
  return {
    runtime,
    consumer,
    /** Waits until everything appended so far went through the relay and the projector. */
    async settled(): Promise<void> {
      await waitFor(
        async () => {
          // Behind while a ticket event lies past a follower's checkpoint (they read ticket streams only).
          const pendingAfter = async (position: number) =>
            (await runtime.store.readAll({ after: position, maxCount: 1, streamPrefixes: ['ticket-'] })).length > 0;
          const behind =
            (await pendingAfter(await runtime.checkpoints.load('command-relay'))) ||
            (await pendingAfter(await runtime.readModel.checkpoint()));
          return behind ? undefined : true;
        },
        { timeoutMs: 20_000, what: 'the pipeline to settle' },
      );
    },
    async close(): Promise<void> {
      stop();
      await running;
      await publisher.close();
      await runtime.close();
      dir[Symbol.dispose]();
    },
  };
}

describe('Kafka: the inbound topic in, commands and ticket states out (real broker)', () => {
  let setup: KafkaSetup;

  beforeAll(async () => {
    setup = await openFreshKafka('test', logger, 3);
  });

  it("the seed's SMS story published to the inbound topic gives the same commands as `tickets simulate`", async () => {
    // What simulate produces for the same file, through the same code on a throw-away store.
    const expected = await simulateCommands();
    const lines = readFileSync(SEED, 'utf8')
      .split('\n')
      .filter((line) => line !== '');
    const pipeline = await startPipeline(setup);
    const producer = setup.kafka.producer();
    await producer.connect();
    try {
      // One event at a time, letting the pipeline settle between them: as if each were POSTed.
      for (const line of lines) {
        const before = await pipeline.runtime.store.headPosition();
        const event = JSON.parse(line) as { subject: string };
        await producer.send({ topic: setup.topics.inbound, acks: -1, messages: [{ key: event.subject, value: line }] });
        await waitFor(async () => ((await pipeline.runtime.store.headPosition()) > before ? true : undefined), {
          what: 'the event to be appended',
        });
        await pipeline.settled();
      }
      const records = await readTopic(setup.kafka, setup.topics.commands, (r) => r.length >= expected.length);
      const commands = records.map((r) => JSON.parse(r.value ?? 'null') as Command);
      expect(new Map(commands.map((c) => [c.id, c]))).toEqual(new Map(expected.map((c) => [c.id, c])));
      expect(records.every((r) => r.key === (JSON.parse(r.value ?? '{}') as Command).subject)).toBe(true);
      expect(records[0]?.headers['content-type']).toBe('application/cloudevents+json');

      // Ticket states reach the compacted state topic, keyed by ticket id, the latest last.
      const tickets = await pipeline.runtime.readModel.all();
      const states = await readTopic(setup.kafka, setup.topics.state, (r) =>
        tickets.every((t) =>
          r.some((s) => s.key === t.ticketId && (JSON.parse(s.value ?? '{}') as TicketState).version === t.version),
        ),
      );
      for (const ticket of tickets) {
        const last = states.filter((s) => s.key === ticket.ticketId).at(-1);
        expect(JSON.parse(last?.value ?? 'null')).toEqual(ticket);
      }
    } finally {
      await producer.disconnect();
      await pipeline.close();
    }
  });

  it('poison and malformed records go to the dead-letter topic with their reasons; the consumer keeps going', async () => {
    const { metrics, registry } = createPrometheusMetrics({ processMetrics: false });
    const pipeline = await startPipeline(setup, metrics);
    const producer = setup.kafka.producer();
    await producer.connect();
    const valid = {
      specversion: '1.0',
      id: `dlq-valid-${randomUUID()}`,
      source: 'https://postscript.example/sms',
      type: 'message.received',
      time: '2026-04-01T10:00:00Z',
      subject: 'cus_dlq',
      data: { channel: 'sms', customer: { id: 'cus_dlq', name: 'Zoé' }, message: { id: 'm-dlq', body: 'Bonjour' } },
    };
    try {
      await producer.send({
        topic: setup.topics.inbound,
        acks: -1,
        messages: [
          { key: 'cus_dlq', value: '{not json' },
          { key: 'cus_dlq', value: JSON.stringify({ ...valid, id: 'bad-type', type: 'ticket.exploded' }) },
          {
            key: 'cus_dlq',
            value: JSON.stringify({ ...valid, id: 'bad-field', data: { ...valid.data, channel: 'pigeon' } }),
          },
          {
            key: 'cus_dlq',
            value: JSON.stringify({
              ...valid,
              id: 'unknown-ticket',
              type: 'ticket.closed',
              data: { ticketId: 'tk_nope' },
            }),
          },
          { key: 'cus_dlq', value: JSON.stringify(valid) },
          // Binary mode: attributes in ce_ headers, the value is the data.
          {
            key: 'cus_dlq',
            value: JSON.stringify({ ...valid.data, message: { id: 'm-binary', body: 'Encore moi' } }),
            headers: {
              ce_specversion: '1.0',
              ce_id: `binary-${randomUUID()}`,
              ce_source: valid.source,
              ce_type: 'message.received',
              ce_time: '2026-04-01T10:05:00Z',
              ce_subject: 'cus_dlq',
              ce_traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
            },
          },
        ],
      });
      const letters = await readTopic(setup.kafka, setup.topics.deadLetters, (r) => r.length >= 4);
      expect(letters).toHaveLength(4);
      expect(letters[0]?.value).toBe('{not json');
      const reasons = letters.map(
        (l) => JSON.parse(l.headers['dlq_reasons'] ?? '[]') as { path: string; code: string }[],
      );
      expect(reasons[0]?.[0]?.code).toBe('invalid_json');
      expect(reasons[1]?.[0]?.path).toBe('type');
      expect(reasons[2]?.[0]?.path).toBe('data.channel');
      expect(reasons[3]?.[0]?.code).toBe('TICKET.NOT_FOUND');
      for (const letter of letters) {
        expect(letter.headers['dlq_topic']).toBe(setup.topics.inbound);
        expect(Number(letter.headers['dlq_offset'])).toBeGreaterThanOrEqual(0);
      }
      // The valid events behind the poison ones were stored: one ticket holding both messages.
      await pipeline.settled();
      const tickets = await waitFor(async () => {
        const found = await pipeline.runtime.readModel.byCustomer('cus_dlq');
        return found[0]?.messageCount === 2 ? found : undefined;
      });
      expect(tickets).toHaveLength(1);

      // Counted: the dead letters, the rejections by reason, what came in by Kafka; the consumer is
      // connected and has read its partitions up to the end.
      const text = await registry.metrics();
      expect(text).toContain('tickets_dead_letter_records_total 4');
      expect(text).toContain('tickets_inbound_events_total{type="message.received",outcome="accepted",via="kafka"} 2');
      expect(text).toContain('tickets_inbound_events_total{type="ticket.closed",outcome="rejected",via="kafka"} 1');
      expect(text).toContain('tickets_inbound_rejections_total{reason="TICKET.NOT_FOUND"} 1');
      expect(text).toMatch(
        new RegExp(
          `tickets_kafka_consumer_lag_records\\{topic="${setup.topics.inbound.replace('.', '\\.')}",partition="\\d"\\} 0`,
        ),
      );
      expect(await consumerConnected(pipeline.consumer).check()).toBeNull();
      const brokers = kafkaReadiness(setup.kafka);
      try {
        expect(await brokers.check()).toBeNull();
      } finally {
        await brokers.close();
      }
      // The binary-mode record's ce_traceparent header is the event's trace context.
      const [ticket] = tickets;
      const stored = await pipeline.runtime.store.readStream(`ticket-${ticket?.ticketId}`);
      const binary = stored.find(
        (e) => e.type === 'MessageReceived' && e.metadata.correlationId?.startsWith('binary-'),
      );
      expect(binary?.metadata['traceparent']).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    } finally {
      await producer.disconnect();
      await pipeline.close();
    }
    // Stopped, the consumer no longer counts as connected: /readyz would say so.
    expect(await consumerConnected(pipeline.consumer).check()).toBe('the inbound Kafka consumer is not connected');
  });
});

async function simulateCommands(): Promise<Command[]> {
  using dir = tempDir();
  const sink = createMemorySink();
  const runtime = await openRuntime({
    store: `sqlite:${join(dir.path, 's.db')}`,
    rules: DEFAULT_RULES,
    policy: DEFAULT_REOPEN_POLICY,
    sink,
    logger,
  });
  try {
    await feedEvents(runtime, SEED, 'simulate');
    await runtime.relay.catchUp();
    return [...sink.commands];
  } finally {
    await runtime.close();
  }
}

describe('Kafka with the official CloudEvents SDK as producer and consumer (real broker)', () => {
  const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  let setup: KafkaSetup;

  beforeAll(async () => {
    setup = await openFreshKafka('sdk', logger);
  });

  /** The SDK's Kafka message as kafkajs sends it: the value serialised, attributes left unset dropped. */
  const toRecord = (message: KafkaMessage<unknown>) => ({
    key: String(message.key),
    value: typeof message.value === 'string' ? message.value : JSON.stringify(message.value),
    headers: Object.fromEntries(
      Object.entries(message.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    ),
  });
  /** A record read back, as the SDK's Kafka binding takes it. */
  const toSdkMessage = (record: Received): KafkaMessage<string> => ({
    key: record.key ?? '',
    value: record.value ?? '',
    body: record.value ?? '',
    headers: record.headers,
  });

  it('ingests what the SDK writes in binary and structured mode; its Kafka binding reads the commands and state records without loss', async () => {
    const pipeline = await startPipeline(setup);
    const producer = setup.kafka.producer();
    await producer.connect();
    const first = 'kafka-sdk-1';
    const ticketId = ticketIdFor(SMS_SOURCE, first);
    const sms = (id: string, time: string, body: string, extensions: Record<string, string> = {}) =>
      new CloudEvent({
        id,
        source: SMS_SOURCE,
        type: 'message.received',
        time,
        subject: MARIE.id,
        datacontenttype: 'application/json',
        partitionkey: MARIE.id,
        data: { channel: 'sms', integration: 'postscript', customer: MARIE, message: { id: `m-${id}`, body } },
        ...extensions,
      });
    try {
      // A customer writes (binary mode), an agent closes (structured), the customer writes again (binary, traced): the reopen rule fires.
      const close = new CloudEvent({
        id: 'kafka-sdk-close',
        source: AGENT_SOURCE,
        type: 'ticket.closed',
        time: '2026-04-02T09:00:00Z',
        subject: MARIE.id,
        partitionkey: MARIE.id,
        data: { ticketId },
      });
      for (const message of [
        CloudEventsKafka.binary(sms(first, '2026-04-02T08:00:00Z', 'Ma commande est en retard')),
        CloudEventsKafka.structured(close),
        CloudEventsKafka.binary(
          sms('kafka-sdk-2', '2026-04-02T10:00:00Z', 'Toujours rien reçu', { traceparent: TRACEPARENT }),
        ),
      ]) {
        const before = await pipeline.runtime.store.headPosition();
        await producer.send({ topic: setup.topics.inbound, acks: -1, messages: [toRecord(message)] });
        // Appended, not dead-lettered: each of the three is stored.
        await waitFor(async () => ((await pipeline.runtime.store.headPosition()) > before ? true : undefined), {
          what: 'the event to be appended',
        });
        await pipeline.settled();
      }
      const ticket = await waitFor(async () => {
        const found = await pipeline.runtime.readModel.get(ticketId);
        return found?.reopenCount === 1 ? found : undefined;
      });
      expect(ticket.messageCount).toBe(2);

      // Commands (structured mode): every attribute and the data come out of the SDK as published.
      const records = await readTopic(setup.kafka, setup.topics.commands, (r) => r.length >= 3);
      expect(records.map((r) => (JSON.parse(r.value ?? '{}') as Command).type).sort()).toEqual([
        'message.send',
        'ticket.assign',
        'ticket.tag.add',
      ]);
      for (const record of records) {
        const command = JSON.parse(record.value ?? 'null') as Command;
        const event = CloudEventsKafka.toEvent(toSdkMessage(record)) as CloudEvent<unknown>;
        // The binding adds the record key as `partitionkey`: the ticket id, as the subject.
        expect(event.toJSON()).toEqual({ ...command, partitionkey: command.subject });
        expect(event.time).toBe(command.time);
        expect(event['traceparent']).toBe(TRACEPARENT);
      }

      // Ticket states (binary mode): the value is the state, the attributes are in ce_ headers.
      const states = await readTopic(setup.kafka, setup.topics.state, (r) =>
        r.some((s) => s.key === ticketId && (JSON.parse(s.value ?? '{}') as TicketState).version === ticket.version),
      );
      const ids = new Set<string>();
      for (const record of states) {
        const state = JSON.parse(record.value ?? 'null') as TicketState;
        const event = CloudEventsKafka.toEvent(toSdkMessage(record)) as CloudEvent<unknown>;
        expect(event).toMatchObject({
          specversion: '1.0',
          source: STATE_SOURCE,
          type: STATE_TYPE,
          subject: state.ticketId,
          datacontenttype: 'application/json',
          partitionkey: state.ticketId,
        });
        expect(event.data).toEqual(state);
        expect(event.id).toBe(record.headers['ce_id']);
        ids.add(event.id);
      }
      // One id per distinct state: a consumer deduplicating by id never drops a newer state.
      expect(ids.size).toBe(new Set(states.map((s) => s.value)).size);
    } finally {
      await producer.disconnect();
      await pipeline.close();
    }
  });
});

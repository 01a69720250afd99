import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES, ERASED, type TicketState } from '@tickets/domain';
import { createKafkaStatePublisher, kafkaFromEnv, type KafkaSetup } from '@tickets/messaging';
import { createLogger, fixedClock } from '@tickets/platform';
import { createStateRelay } from '@tickets/projector';
import { createMemorySink } from '@tickets/rule-reactor';
import { tempDir, TEST_KAFKA_BROKERS, waitFor } from '@tickets/testing';
import { forget } from '../src/commands/forget.js';
import { feedEvents } from '../src/feed-events.js';
import { openRuntime } from '../src/runtime.js';
import { found, MARIE_SECRETS, PAUL, twoCustomers } from './two-customers.js';

// Erasure with Kafka (real broker): `forget` republishes the erased customer's ticket states on the
// compacted state topic, so the latest value of each of her tickets is the erased state, and the
// other customer's records are left alone.

const logger = createLogger({ level: 'silent' });

interface StateRecord {
  readonly key: string;
  readonly value: string;
}

async function readStates(setup: KafkaSetup, enough: (records: StateRecord[]) => boolean): Promise<StateRecord[]> {
  const consumer = setup.kafka.consumer({ groupId: `test-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const records: StateRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [setup.topics.state], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) =>
        void records.push({ key: message.key!.toString(), value: message.value!.toString() }),
    });
    await waitFor(() => (enough(records) ? true : undefined), { timeoutMs: 30_000, what: 'ticket states' });
    return records;
  } finally {
    await consumer.disconnect();
  }
}

/** What a consumer restoring from the compacted topic ends with: the last value of each key. */
const latest = (records: readonly StateRecord[]): Map<string, TicketState> =>
  new Map(records.map((r) => [r.key, JSON.parse(r.value) as TicketState]));

describe('tickets forget with Kafka (real broker)', () => {
  const work = tempDir('erasure-kafka-');
  const store = `sqlite:${join(work.path, 'tickets.db')}`;
  let setup: KafkaSetup;
  let published: number;
  let before: StateRecord[];

  beforeAll(async () => {
    const run = randomUUID().slice(0, 8);
    const found = await kafkaFromEnv(
      {
        KAFKA_BROKERS: TEST_KAFKA_BROKERS,
        KAFKA_CLIENT_ID: `tickets-erasure-${run}`,
        KAFKA_TOPIC_STATE: `erasure-${run}.state`,
        KAFKA_PARTITIONS: '3',
      },
      logger,
    );
    if (found === null) throw new Error('Kafka settings missing');
    setup = found;
    const events = join(work.path, 'two-customers.ndjson');
    writeFileSync(events, twoCustomers());
    const runtime = await openRuntime({
      store,
      rules: DEFAULT_RULES,
      policy: DEFAULT_REOPEN_POLICY,
      sink: createMemorySink(),
      logger,
    });
    const publisher = createKafkaStatePublisher({ kafka: setup.kafka, topic: setup.topics.state });
    try {
      await feedEvents(runtime, events, 'import');
      await createStateRelay({
        store: runtime.store,
        readModel: runtime.readModel,
        checkpoints: runtime.checkpoints,
        publisher,
        logger,
      }).catchUp();
    } finally {
      await publisher.close();
      await runtime.close();
    }
    before = await readStates(setup, (records) => latest(records).size === 4);
    published = (
      await forget({ store, customer: 'cus_marie', kafka: setup }, logger, fixedClock('2026-04-01T00:00:00Z'))
    ).statesPublished;
  }, 120_000);
  afterAll(() => work[Symbol.dispose]());

  it('had her data in clear on the topic before', () => {
    expect(
      found([{ name: 'state topic', bytes: Buffer.from(before.map((r) => r.value).join('\n')) }], MARIE_SECRETS),
    ).not.toEqual([]);
  });

  it('republishes her two tickets as erased: the latest value of every key holds nothing of hers', async () => {
    expect(published).toBe(2);
    const after = await readStates(setup, (records) => records.length >= before.length + 2);
    const states = latest(after);
    const marie = [...states.values()].filter((state) => state.customer.id === 'cus_marie');
    expect(marie).toHaveLength(2);
    for (const state of marie)
      expect(state).toMatchObject({ customer: { name: ERASED, phone: ERASED }, subject: ERASED });
    expect(
      found([{ name: 'latest states', bytes: Buffer.from(JSON.stringify([...states.values()])) }], MARIE_SECRETS),
    ).toEqual([]);
    // Paul's records: untouched, none republished.
    const paulBefore = before.filter((r) => (JSON.parse(r.value) as TicketState).customer.id === PAUL.id);
    expect(after.filter((r) => (JSON.parse(r.value) as TicketState).customer.id === PAUL.id)).toEqual(paulBefore);
  });
});

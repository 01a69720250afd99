import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@tickets/platform';
import { createTopics, ensureTopics } from './ensure-topics.js';

const TOPICS = { inbound: 'in', deadLetters: 'in.dlq', commands: 'cmd', state: 'state' };
const silent = createLogger({ level: 'silent' });

/** An admin client whose createTopics fails with `failures` errors first, then succeeds. */
function fakeKafka(failures: unknown[]): { kafka: Kafka; calls: number; created: unknown[] } {
  const fake = { calls: 0, created: [] as unknown[], kafka: undefined as unknown as Kafka };
  fake.kafka = {
    admin: () => ({
      connect: async () => {},
      disconnect: async () => {},
      listTopics: async () => ['in'],
      createTopics: async (request: { topics: unknown[] }) => {
        fake.calls++;
        fake.created = request.topics;
        const failure = failures.shift();
        if (failure !== undefined) throw failure;
        return true;
      },
    }),
  } as unknown as Kafka;
  return fake;
}

describe('ensureTopics', () => {
  it('asks again when the broker answers with a retriable error (a broker just started)', async () => {
    const fake = fakeKafka([
      Object.assign(new Error('This server does not host this topic-partition'), { retriable: true }),
    ]);
    await ensureTopics(fake.kafka, TOPICS, { partitions: 1, replicationFactor: 1 }, silent);
    expect(fake.calls).toBe(2);
  });

  it('gives up at once on an error that is not retriable', async () => {
    const fake = fakeKafka([Object.assign(new Error('Topic authorization failed'), { retriable: false })]);
    await expect(ensureTopics(fake.kafka, TOPICS, { partitions: 1, replicationFactor: 1 }, silent)).rejects.toThrow(
      'authorization',
    );
    expect(fake.calls).toBe(1);
  });
});

describe('createTopics', () => {
  it('creates only the missing topics, compacted where asked', async () => {
    const fake = fakeKafka([]);
    await createTopics(
      fake.kafka,
      [{ topic: 'in' }, { topic: 'raw' }, { topic: 'latest', compacted: true }],
      { partitions: 3, replicationFactor: 1 },
      silent,
    );
    expect(fake.created).toEqual([
      { topic: 'raw', numPartitions: 3, replicationFactor: 1 },
      {
        topic: 'latest',
        numPartitions: 3,
        replicationFactor: 1,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      },
    ]);
  });

  it('asks nothing when every topic exists', async () => {
    const fake = fakeKafka([]);
    await createTopics(fake.kafka, [{ topic: 'in' }], { partitions: 1, replicationFactor: 1 }, silent);
    expect(fake.calls).toBe(0);
  });
});

import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@tickets/platform';
import { ensureTopics } from './ensure-topics.js';

const TOPICS = { inbound: 'in', deadLetters: 'in.dlq', commands: 'cmd', state: 'state' };
const silent = createLogger({ level: 'silent' });

/** An admin client whose createTopics fails with `failures` errors first, then succeeds. */
function fakeKafka(failures: unknown[]): { kafka: Kafka; calls: number } {
  const fake = { calls: 0, kafka: undefined as unknown as Kafka };
  fake.kafka = {
    admin: () => ({
      connect: async () => {},
      disconnect: async () => {},
      listTopics: async () => ['in'],
      createTopics: async () => {
        fake.calls++;
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
    const fake = fakeKafka([Object.assign(new Error('This server does not host this topic-partition'), { retriable: true })]);
    await ensureTopics(fake.kafka, TOPICS, { partitions: 1, replicationFactor: 1 }, silent);
    expect(fake.calls).toBe(2);
  });

  it('gives up at once on an error that is not retriable', async () => {
    const fake = fakeKafka([Object.assign(new Error('Topic authorization failed'), { retriable: false })]);
    await expect(ensureTopics(fake.kafka, TOPICS, { partitions: 1, replicationFactor: 1 }, silent)).rejects.toThrow('authorization');
    expect(fake.calls).toBe(1);
  });
});

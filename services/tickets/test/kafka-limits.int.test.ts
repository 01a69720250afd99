import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES } from '@tickets/domain';
import { inboundConsumerFor } from '@tickets/ingest';
import { createLogger, DEFAULT_INGEST_LIMITS } from '@tickets/platform';
import { createMemorySink } from '@tickets/rule-reactor';
import { messageReceived, tempDir, waitFor } from '@tickets/testing';
import { openRuntime } from '../src/runtime.js';
import { openFreshKafka } from './kafka-test-topics.js';

// Against the real broker: records over the size limits go to the dead-letter topic with the reason,
// unread by the ingest; the consumer keeps going.
const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

describe('Kafka inbound limits (real broker)', () => {
  it('dead-letters an oversized record and an over-long message body with their reasons, and stores the valid record after them', async () => {
    const setup = await openFreshKafka('limits', logger);
    const dir = tempDir();
    const runtime = await openRuntime({
      store: `sqlite:${join(dir.path, 'tickets.db')}`,
      rules: DEFAULT_RULES,
      policy: DEFAULT_REOPEN_POLICY,
      sink: createMemorySink(),
      logger,
    });
    const consumer = inboundConsumerFor(setup, runtime.ingest, logger, { limits: DEFAULT_INGEST_LIMITS });
    const producer = setup.kafka.producer();
    const reader = setup.kafka.consumer({ groupId: `${setup.topics.inbound}-reader`, maxWaitTimeInMs: 100 });
    const letters: { value: string; headers: Record<string, string> }[] = [];
    await producer.connect();
    await consumer.start();
    try {
      const event = (id: string, body = 'Bonjour') =>
        messageReceived({ id, time: '2026-03-02T08:00:00Z', body, customer: { id: 'cus_limits' } });
      const big = {
        ...event('k-big'),
        data: { ...event('k-big').data, padding: 'x'.repeat(DEFAULT_INGEST_LIMITS.maxEventBytes) },
      };
      const long = event('k-long', 'y'.repeat(DEFAULT_INGEST_LIMITS.maxMessageChars + 1));
      await producer.send({
        topic: setup.topics.inbound,
        acks: -1,
        messages: [big, long, event('k-ok')].map((value) => ({ key: 'cus_limits', value: JSON.stringify(value) })),
      });
      await reader.connect();
      await reader.subscribe({ topics: [setup.topics.deadLetters], fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([name, value]) => [
              name,
              String(Array.isArray(value) ? value[0] : value),
            ]),
          );
          letters.push({ value: message.value?.toString() ?? '', headers });
        },
      });
      await waitFor(() => (letters.length >= 2 ? true : undefined), { timeoutMs: 30_000, what: 'two dead letters' });
      await waitFor(async () => ((await runtime.store.headPosition()) > 0 ? true : undefined), {
        timeoutMs: 30_000,
        what: 'the valid event',
      });

      expect(letters).toHaveLength(2);
      const reasons = letters.map(
        (letter) =>
          JSON.parse(letter.headers['dlq_reasons'] ?? '[]') as { path: string; code: string; message: string }[],
      );
      expect(reasons[0]).toEqual([
        {
          path: '(value)',
          code: 'too_big',
          message: expect.stringMatching(/^the record is \d+ bytes, over the limit of 65536$/),
        },
      ]);
      expect(reasons[1]).toEqual([
        {
          path: 'data.message.body',
          code: 'too_big',
          message: 'the message body is 16385 characters, over the limit of 16384',
        },
      ]);
      // The original bytes are kept for a replay once the sender is fixed.
      expect(JSON.parse(letters[0]?.value ?? '{}')).toMatchObject({ id: 'k-big' });
      const inbound = await runtime.store.readAll({ after: 0, maxCount: 100, streamPrefixes: ['inbound-'] });
      expect(inbound).toHaveLength(1);
      expect(JSON.stringify(inbound[0])).toContain('"k-ok"');
    } finally {
      await reader.disconnect();
      await consumer.stop();
      await producer.disconnect();
      await runtime.close();
      dir[Symbol.dispose]();
    }
  });
});

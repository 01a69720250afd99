import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES } from '@tickets/domain';
import { inboundConsumerFor } from '@tickets/ingest';
import { createLogger, DEFAULT_INGEST_LIMITS, fixedClock } from '@tickets/platform';
import { createMemorySink } from '@tickets/rule-reactor';
import { messageReceived, tempDir, waitFor } from '@tickets/testing';
import { openRuntime } from '../src/runtime.js';
import { openFreshKafka } from './kafka-test-topics.js';
import { CHAT_SOURCE, securedConfig } from './signed-requests.js';

// Against the real broker, what hostile testing found over HTTP (issue 14) has the same answer on the
// inbound topic: the record goes to the dead-letter topic with its reason, nothing of it is stored,
// and the consumer keeps going.
const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
const NOW = '2026-03-02T09:00:00Z';

describe('Kafka inbound: integration scope, invalid UTF-8, far-future times (real broker)', () => {
  it('dead-letters an event outside its integration scope, a record that is not UTF-8 and a time too far ahead, and stores the valid record after them', async () => {
    const setup = await openFreshKafka('security', logger);
    const dir = tempDir();
    const runtime = await openRuntime({
      store: `sqlite:${join(dir.path, 'tickets.db')}`,
      rules: DEFAULT_RULES,
      policy: DEFAULT_REOPEN_POLICY,
      sink: createMemorySink(),
      logger,
    });
    const consumer = inboundConsumerFor(setup, runtime.ingest, logger, {
      limits: DEFAULT_INGEST_LIMITS,
      scope: { integrations: securedConfig().integrations, store: runtime.store },
      clock: fixedClock(NOW),
    });
    const producer = setup.kafka.producer();
    const reader = setup.kafka.consumer({ groupId: `${setup.topics.inbound}-reader`, maxWaitTimeInMs: 100 });
    const letters: { headers: Record<string, string> }[] = [];
    await producer.connect();
    await consumer.start();
    try {
      const customer = { id: 'cus_kafka', phone: '+33688888888' };
      const posing = {
        ...messageReceived({
          id: 'k-posing',
          time: '2026-03-02T08:00:00Z',
          body: 'x',
          customer,
          channel: 'sms',
          integration: 'postscript',
        }),
        source: CHAT_SOURCE,
      };
      const [before, after] = JSON.stringify(
        messageReceived({ id: 'k-@@', time: '2026-03-02T08:00:00Z', body: 'x', customer }),
      ).split('@@') as [string, string];
      const notUtf8 = Buffer.concat([Buffer.from(before), Buffer.from([0xff]), Buffer.from(after)]);
      const future = messageReceived({ id: 'k-future', time: '9999-12-31T23:59:59Z', body: 'x', customer });
      const valid = {
        ...messageReceived({
          id: 'k-ok',
          time: '2026-03-02T08:00:00Z',
          body: 'x',
          customer,
          channel: 'chat',
          integration: 'chatco',
        }),
        source: CHAT_SOURCE,
      };
      await producer.send({
        topic: setup.topics.inbound,
        acks: -1,
        messages: [JSON.stringify(posing), notUtf8, JSON.stringify(future), JSON.stringify(valid)].map((value) => ({
          key: customer.id,
          value,
        })),
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
          letters.push({ headers });
        },
      });
      await waitFor(() => (letters.length >= 3 ? true : undefined), { timeoutMs: 30_000, what: 'three dead letters' });
      await waitFor(async () => ((await runtime.store.headPosition()) > 0 ? true : undefined), {
        timeoutMs: 30_000,
        what: 'the valid event',
      });

      const reasons = letters.map(
        (letter) => JSON.parse(letter.headers['dlq_reasons'] ?? '[]') as { path: string; code: string }[],
      );
      expect(reasons).toEqual([
        [expect.objectContaining({ path: 'data.integration', code: 'out_of_scope' })],
        [expect.objectContaining({ path: '(value)', code: 'invalid_utf8' })],
        [expect.objectContaining({ path: 'time', code: 'too_far_ahead' })],
      ]);
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

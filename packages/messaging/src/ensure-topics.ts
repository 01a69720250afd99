import type { Kafka } from 'kafkajs';
import { delay, type Logger } from '@tickets/platform';
import type { KafkaTopics } from './kafka-config.js';

const ATTEMPTS = 8;
const isRetriable = (error: unknown): boolean => typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;

/**
 * Creates our topics when they are missing (existing ones are left as they are). The state topic is
 * compacted: consumers want each ticket's latest state, keyed by ticket id.
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: KafkaTopics,
  options: { partitions: number; replicationFactor: number },
  logger: Logger,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = [
      { topic: topics.inbound },
      { topic: topics.deadLetters },
      { topic: topics.commands },
      { topic: topics.state, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ].filter(({ topic }) => !existing.has(topic));
    if (wanted.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        // Topics that exist by now (an earlier attempt, another instance) are left as they are.
        await admin.createTopics({
          waitForLeaders: true,
          topics: wanted.map((t) => ({ ...t, numPartitions: options.partitions, replicationFactor: options.replicationFactor })),
        });
        break;
      } catch (error) {
        // Right after a broker starts, waiting for the new topics' leaders can see them unknown yet
        // (UNKNOWN_TOPIC_OR_PARTITION, retriable), and kafkajs gives up at once: ask again.
        if (!isRetriable(error) || attempt >= ATTEMPTS) throw error;
        logger.warn({ attempt, reason: (error as Error).message }, 'kafka topics not ready yet, retrying');
        await delay(200 * attempt);
      }
    }
    logger.info({ topics: wanted.map((t) => t.topic) }, 'kafka topics created');
  } finally {
    await admin.disconnect();
  }
}

import type { Kafka } from 'kafkajs';
import type { Logger } from '@tickets/platform';
import type { KafkaTopics } from './kafka-config.js';

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
    await admin.createTopics({
      waitForLeaders: true,
      topics: wanted.map((t) => ({ ...t, numPartitions: options.partitions, replicationFactor: options.replicationFactor })),
    });
    logger.info({ topics: wanted.map((t) => t.topic) }, 'kafka topics created');
  } finally {
    await admin.disconnect();
  }
}

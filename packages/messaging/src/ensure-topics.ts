import type { Kafka } from 'kafkajs';
import type { Logger } from '@tickets/platform';
import { retry } from '@tickets/retry';
import type { KafkaTopics } from './kafka-config.js';

const isRetriable = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;

export interface TopicSpec {
  readonly topic: string;
  /** Log compaction: consumers want each key's latest record only. */
  readonly compacted?: boolean;
}

/**
 * Creates the topics that are missing (existing ones are left as they are) and waits for their
 * leaders. Right after a broker starts, that wait can see the new topics unknown yet
 * (UNKNOWN_TOPIC_OR_PARTITION, retriable) and kafkajs gives up at once: we ask again, for up to
 * nine seconds. Every program that creates topics goes through here.
 */
export async function createTopics(
  kafka: Kafka,
  specs: readonly TopicSpec[],
  options: { partitions: number; replicationFactor: number },
  logger: Logger,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = specs.filter(({ topic }) => !existing.has(topic));
    if (wanted.length === 0) return;
    await retry(
      // Topics that exist by now (an earlier attempt, another instance) are left as they are.
      () =>
        admin.createTopics({
          waitForLeaders: true,
          topics: wanted.map(({ topic, compacted }) => ({
            topic,
            numPartitions: options.partitions,
            replicationFactor: options.replicationFactor,
            ...(compacted === true ? { configEntries: [{ name: 'cleanup.policy', value: 'compact' }] } : {}),
          })),
        }),
      {
        attempts: 8,
        baseDelayMs: 200,
        maxDelayMs: 2000,
        retriable: isRetriable,
        onRetry: (error, attempt, delayMs) =>
          logger.warn({ attempt, delayMs, reason: (error as Error).message }, 'kafka topics not ready yet, retrying'),
      },
    );
    logger.info({ topics: wanted.map((t) => t.topic) }, 'kafka topics created');
  } finally {
    await admin.disconnect();
  }
}

/** Creates our topics when they are missing. The state topic is compacted, keyed by ticket id. */
export function ensureTopics(
  kafka: Kafka,
  topics: KafkaTopics,
  options: { partitions: number; replicationFactor: number },
  logger: Logger,
): Promise<void> {
  const specs: TopicSpec[] = [
    { topic: topics.inbound },
    { topic: topics.deadLetters },
    { topic: topics.commands },
    { topic: topics.state, compacted: true },
  ];
  return createTopics(kafka, specs, options, logger);
}

import type { Kafka } from 'kafkajs';
import { ConfigError, formatZodIssues, type Logger } from '@tickets/platform';
import { createKafka } from './kafka-client.js';
import { KafkaEnv, topicsOf, type KafkaTopics } from './kafka-config.js';
import { ensureTopics } from './ensure-topics.js';

export interface KafkaSetup {
  readonly kafka: Kafka;
  readonly topics: KafkaTopics;
  readonly env: KafkaEnv;
}

/**
 * Kafka when `KAFKA_BROKERS` is set (topics created if missing), null otherwise: the services then
 * run on the embedded sink. A bad Kafka setting is a ConfigError listing every problem.
 */
export async function kafkaFromEnv(env: NodeJS.ProcessEnv, logger: Logger): Promise<KafkaSetup | null> {
  if (env['KAFKA_BROKERS'] === undefined || env['KAFKA_BROKERS'] === '') return null;
  const parsed = KafkaEnv.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid Kafka settings:\n${formatZodIssues(parsed.error.issues)}`);
  const kafka = createKafka(parsed.data, logger);
  const topics = topicsOf(parsed.data);
  await ensureTopics(
    kafka,
    topics,
    { partitions: parsed.data.KAFKA_PARTITIONS, replicationFactor: parsed.data.KAFKA_REPLICATION_FACTOR },
    logger,
  );
  return { kafka, topics, env: parsed.data };
}

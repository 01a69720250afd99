import type { Kafka } from 'kafkajs';
import { ConfigError, formatZodIssues, KafkaEnv, type KafkaSettings, type Logger } from '@tickets/platform';
import { createKafka } from './kafka-client.js';
import { topicsOf, type KafkaTopics } from './kafka-config.js';
import { ensureTopics } from './ensure-topics.js';

export interface KafkaSetup {
  readonly kafka: Kafka;
  readonly topics: KafkaTopics;
  readonly env: KafkaEnv;
}

/**
 * Kafka when the configuration names brokers (`KAFKA_BROKERS`, or `brokers` from a verb's `--kafka`,
 * which wins), with the topics created if missing; null otherwise: the services then run on the
 * embedded sink.
 */
export async function kafkaFromConfig(
  settings: KafkaSettings,
  logger: Logger,
  brokers?: readonly string[],
): Promise<KafkaSetup | null> {
  const chosen = brokers ?? settings.KAFKA_BROKERS;
  if (chosen === undefined) return null;
  const env: KafkaEnv = { ...settings, KAFKA_BROKERS: [...chosen] };
  const kafka = createKafka(env, logger);
  const topics = topicsOf(env);
  await ensureTopics(
    kafka,
    topics,
    { partitions: env.KAFKA_PARTITIONS, replicationFactor: env.KAFKA_REPLICATION_FACTOR },
    logger,
  );
  return { kafka, topics, env };
}

/**
 * The same from a plain map of `KAFKA_*` settings: what tests and benchmarks build a setup from
 * (the programs read their configuration once, with readConfig, and call kafkaFromConfig).
 */
export async function kafkaFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
): Promise<KafkaSetup | null> {
  if (env['KAFKA_BROKERS'] === undefined || env['KAFKA_BROKERS'] === '') return null;
  const parsed = KafkaEnv.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid Kafka settings:\n${formatZodIssues(parsed.error.issues)}`);
  return kafkaFromConfig(parsed.data, logger);
}

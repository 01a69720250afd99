import { randomUUID } from 'node:crypto';
import { kafkaFromEnv, type KafkaSetup } from '@tickets/messaging';
import type { Logger } from '@tickets/platform';
import { TEST_KAFKA_BROKERS } from '@tickets/testing';

/**
 * `kafkaFromEnv` settings with topics, group and client of their own, named `<name>-<random>`: runs and
 * tests never see each other's records, and a topic name says which test made it.
 */
export function freshKafkaSettings(name: string, partitions = 1): Record<string, string> {
  const run = `${name}-${randomUUID().slice(0, 8)}`;
  return {
    KAFKA_BROKERS: TEST_KAFKA_BROKERS,
    KAFKA_CLIENT_ID: `tickets-${run}`,
    KAFKA_TOPIC_INBOUND: `${run}.inbound`,
    KAFKA_TOPIC_DLQ: `${run}.inbound.dlq`,
    KAFKA_TOPIC_COMMANDS: `${run}.commands`,
    KAFKA_TOPIC_STATE: `${run}.state`,
    KAFKA_GROUP_INGEST: `${run}-ingest`,
    KAFKA_PARTITIONS: String(partitions),
  };
}

/** The set-up `kafkaFromEnv` builds from those settings; no broker configured is a failure, never a skip. */
export async function openKafka(settings: Record<string, string>, logger: Logger): Promise<KafkaSetup> {
  const setup = await kafkaFromEnv(settings, logger);
  if (setup === null) throw new Error('Kafka settings missing');
  return setup;
}

/** Fresh topics (see freshKafkaSettings), opened. */
export async function openFreshKafka(name: string, logger: Logger, partitions = 1): Promise<KafkaSetup> {
  return openKafka(freshKafkaSettings(name, partitions), logger);
}

import { randomUUID } from 'node:crypto';
import { kafkaFromEnv, type KafkaSetup } from '@tickets/messaging';
import type { Logger } from '@tickets/platform';
import { TEST_KAFKA_BROKERS } from '@tickets/testing';

/**
 * The test broker with topics, group and client of their own, named `<name>-<random>`: runs and tests
 * never see each other's records, and a topic name says which test made it. No broker configured is a
 * failure, never a skip.
 */
export async function openFreshKafka(name: string, logger: Logger, partitions = 1): Promise<KafkaSetup> {
  const run = `${name}-${randomUUID().slice(0, 8)}`;
  const setup = await kafkaFromEnv(
    {
      KAFKA_BROKERS: TEST_KAFKA_BROKERS,
      KAFKA_CLIENT_ID: `tickets-${run}`,
      KAFKA_TOPIC_INBOUND: `${run}.inbound`,
      KAFKA_TOPIC_DLQ: `${run}.inbound.dlq`,
      KAFKA_TOPIC_COMMANDS: `${run}.commands`,
      KAFKA_TOPIC_STATE: `${run}.state`,
      KAFKA_GROUP_INGEST: `${run}-ingest`,
      KAFKA_PARTITIONS: String(partitions),
    },
    logger,
  );
  if (setup === null) throw new Error('Kafka settings missing');
  return setup;
}

import type { ReopenPolicy } from '@tickets/domain';
import { parseStoreUrl } from '@tickets/event-store';
import { boundPort, createHttpServer, developmentSecurity, type IngestLimits, type Logger, type SecurityConfig } from '@tickets/platform';
import { ingestRoutes } from './http/ingest-routes.js';
import { createIngest, type Ingest } from './ingest.js';
import { consumeInbound } from './kafka-inbound.js';
import type { KafkaSetup } from '@tickets/messaging';
import { openDomainStore } from '@tickets/streams';

export interface IngestServiceOptions {
  readonly store: string;
  readonly policy: ReopenPolicy;
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  /** With Kafka, the inbound topic is consumed too (HTTP stays available). */
  readonly kafka?: KafkaSetup | null;
  /** Signed ingest and limits; development mode when absent. */
  readonly security?: SecurityConfig;
}

/** The ingest service on its own: `POST /v1/events` into the store, until `until` settles. */
export async function runIngestService(options: IngestServiceOptions, until: Promise<unknown>): Promise<void> {
  const { logger } = options;
  const { store, checkpoints } = await openDomainStore(parseStoreUrl(options.store));
  await checkpoints.close(); // ingest keeps no checkpoint
  const ingest = createIngest({ store, policy: options.policy, logger });
  const security = options.security ?? developmentSecurity();
  const app = createHttpServer({ logger, bodyLimit: security.limits.maxBodyBytes, timeouts: security.timeouts });
  app.register(ingestRoutes, { ingest, security });
  const consumer = options.kafka ? inboundConsumerFor(options.kafka, ingest, logger, security.limits) : null;
  try {
    await app.listen({ host: options.host, port: options.port });
    await consumer?.start();
    logger.info({ port: boundPort(app, options.port), host: options.host, kafka: consumer !== null }, 'ingest ready');
    await until;
  } finally {
    await consumer?.stop();
    await app.close();
    await ingest.close();
    await store.close();
    logger.info('ingest stopped');
  }
}

/** The inbound topic's consumer feeding this ingest, named by the Kafka settings. */
export const inboundConsumerFor = (setup: KafkaSetup, ingest: Ingest, logger: Logger, limits?: IngestLimits) =>
  consumeInbound({
    ...(limits === undefined ? {} : { limits }),
    kafka: setup.kafka,
    ingest,
    topic: setup.topics.inbound,
    deadLetterTopic: setup.topics.deadLetters,
    groupId: setup.env.KAFKA_GROUP_INGEST,
    logger,
  });

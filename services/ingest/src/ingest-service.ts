import type { ReopenPolicy, RulesFile } from '@tickets/domain';
import { parseStoreUrl } from '@tickets/event-store';
import {
  boundPort,
  createHttpServer,
  defaultConfig,
  developmentSecurity,
  OpsEnv,
  serviceMetrics,
  systemClock,
  type Clock,
  type IngestLimits,
  type Logger,
  type PiiSettings,
  type PipelineMetrics,
  type SecurityConfig,
} from '@tickets/platform';
import { openDomainStore, storeReachable } from '@tickets/streams';
import { ingestRoutes } from './http/ingest-routes.js';
import { createIngest, type Ingest } from './ingest.js';
import { consumeInbound, type KafkaInboundOptions } from './kafka-inbound.js';
import { consumerConnected, kafkaReadiness, type KafkaSetup } from '@tickets/messaging';

export interface IngestServiceOptions {
  readonly store: string;
  /** The automation rules, decided with each event's routing. */
  readonly rules: RulesFile;
  readonly policy: ReopenPolicy;
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  /** With Kafka, the inbound topic is consumed too (HTTP stays available). */
  readonly kafka?: KafkaSetup | null;
  /** Signed ingest and limits; development mode when absent. */
  readonly security?: SecurityConfig;
  /** Metrics on/off and the like (TICKETS_METRICS…); defaults when absent. */
  readonly ops?: OpsEnv;
  /** Personal-data encryption (the configuration's `pii`); the defaults when absent: encryption on. */
  readonly pii?: PiiSettings;
}

/** The ingest service on its own: `POST /v1/events` into the store, until `until` settles. */
export async function runIngestService(options: IngestServiceOptions, until: Promise<unknown>): Promise<void> {
  const { logger } = options;
  const { store, checkpoints, indexesMade } = await openDomainStore(
    parseStoreUrl(options.store),
    options.pii ?? defaultConfig().pii,
  );
  if (indexesMade.length > 0) logger.info({ indexes: indexesMade }, 'reach indexes made');
  await checkpoints.close(); // ingest keeps no checkpoint
  const ops = options.ops ?? OpsEnv.parse({});
  const { metrics, registry } = serviceMetrics(ops.TICKETS_METRICS === 'on');
  const ingest = createIngest({
    store,
    rules: options.rules,
    policy: options.policy,
    logger,
    metrics,
    clock: systemClock,
  });
  const security = options.security ?? developmentSecurity();
  const consumer = options.kafka
    ? inboundConsumerFor(options.kafka, ingest, logger, {
        limits: security.limits,
        metrics,
        scope: { integrations: security.integrations, store },
      })
    : null;
  const kafkaCheck = options.kafka ? kafkaReadiness(options.kafka.kafka) : null;
  const readiness = [
    storeReachable(store),
    ...(kafkaCheck === null ? [] : [kafkaCheck]),
    ...(consumer === null ? [] : [consumerConnected(consumer)]),
  ];
  const app = createHttpServer({
    logger,
    bodyLimit: security.limits.maxBodyBytes,
    timeouts: security.timeouts,
    ops: { registry, readiness },
  });
  app.register(ingestRoutes, { ingest, security, store });
  try {
    await app.listen({ host: options.host, port: options.port });
    await consumer?.start();
    logger.info({ port: boundPort(app, options.port), host: options.host, kafka: consumer !== null }, 'ingest ready');
    await until;
  } finally {
    // Stop taking work (Kafka first: it commits the offsets of what it handed over), let the
    // in-flight appends commit, then close the store.
    await consumer?.stop();
    await app.close();
    await ingest.close();
    await kafkaCheck?.close();
    await store.close();
    logger.info('ingest stopped');
  }
}

/** The inbound topic's consumer feeding this ingest, named by the Kafka settings. */
export const inboundConsumerFor = (
  setup: KafkaSetup,
  ingest: Ingest,
  logger: Logger,
  extras: {
    readonly limits?: IngestLimits;
    readonly metrics?: PipelineMetrics;
    readonly scope?: KafkaInboundOptions['scope'];
    readonly clock?: Clock;
  } = {},
) =>
  consumeInbound({
    ...(extras.limits === undefined ? {} : { limits: extras.limits }),
    ...(extras.scope === undefined ? {} : { scope: extras.scope }),
    ...(extras.clock === undefined ? {} : { clock: extras.clock }),
    ...(extras.metrics === undefined ? {} : { metrics: extras.metrics }),
    kafka: setup.kafka,
    ingest,
    topic: setup.topics.inbound,
    deadLetterTopic: setup.topics.deadLetters,
    groupId: setup.env.KAFKA_GROUP_INGEST,
    sessionTimeoutMs: setup.env.KAFKA_SESSION_TIMEOUT_MS,
    logger,
  });

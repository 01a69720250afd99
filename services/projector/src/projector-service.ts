import { parseStoreUrl } from '@tickets/event-store';
import { TICKET_STREAM_PREFIX } from '@tickets/domain';
import {
  boundPort,
  createHttpServer,
  followUntil,
  installAccessControl,
  defaultConfig,
  OpsEnv,
  type PiiSettings,
  serviceMetrics,
  type Logger,
  type SecurityConfig,
} from '@tickets/platform';
import { followerLeases, lagBelow, openDomainStore, storeReachable, subscriberLag } from '@tickets/streams';
import { customerRoutes } from './http/customer-routes.js';
import { ticketRoutes } from './http/ticket-routes.js';
import { openTicketReadModel } from './open-read-model.js';
import { createProjector } from './projector.js';
import { createStateRelay } from './state-relay.js';
import { createKafkaStatePublisher, kafkaReadiness, type KafkaSetup } from '@tickets/messaging';

export interface ProjectorServiceOptions {
  readonly store: string;
  /** Where the ticket read model lives, when not next to the events (see openTicketReadModel). */
  readonly readModel?: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  /** With Kafka, each changed ticket's state is published to the state topic. */
  readonly kafka?: KafkaSetup | null;
  /** Bearer tokens on the reads in secured mode; nothing enforced when absent (development). */
  readonly security?: SecurityConfig;
  /** Metrics on/off, readiness lag bound (TICKETS_METRICS…); defaults when absent. */
  readonly ops?: OpsEnv;
  /** Personal-data encryption (the configuration's `pii`); the defaults when absent: encryption on. */
  readonly pii?: PiiSettings;
  /** Where the followers' roles are leased (`TICKETS_LEASES`); see followerLeases. */
  readonly leases?: string | undefined;
}

/** The projector on its own: follows the store into the read model and serves ticket reads. */
export async function runProjectorService(options: ProjectorServiceOptions, until: Promise<unknown>): Promise<void> {
  const { logger } = options;
  const location = parseStoreUrl(options.store);
  const { store, checkpoints } = await openDomainStore(location, options.pii ?? defaultConfig().pii);
  const readModel = await openTicketReadModel(location, options.readModel);
  const ops = options.ops ?? OpsEnv.parse({});
  const { metrics, registry } = serviceMetrics(ops.TICKETS_METRICS === 'on');
  // The projector and the state relay each run on one instance at a time (a lease each, docs/scaling.md):
  // other instances stand by and serve reads. A new projector on each acquisition: its row cache is
  // only right while it is the sole writer.
  const leases = followerLeases(location, logger, options.leases);
  let projector = createProjector({ store, readModel, logger, metrics });
  const projecting = leases.leased('projector', () => {
    projector = createProjector({ store, readModel, logger, metrics });
    return (signal) => projector.run(signal);
  });
  // Counted exactly past the readiness bound, so "more than the bound" is told apart from "at it".
  const lag = subscriberLag({
    store,
    checkpoint: () => readModel.checkpoint(),
    streamPrefixes: [TICKET_STREAM_PREFIX],
    exactUpTo: Math.max(1_000, ops.TICKETS_READY_MAX_LAG),
  });
  metrics.lagProbe('projector', lag);
  const kafkaCheck = options.kafka ? kafkaReadiness(options.kafka.kafka) : null;
  const readiness = [
    storeReachable(store),
    lagBelow('projector', lag, ops.TICKETS_READY_MAX_LAG),
    ...(kafkaCheck === null ? [] : [kafkaCheck]),
  ];
  const leased = [projecting];
  const publisher = options.kafka
    ? createKafkaStatePublisher({ kafka: options.kafka.kafka, topic: options.kafka.topics.state })
    : null;
  if (publisher !== null) {
    leased.push(
      leases.leased(
        'state-relay',
        () => (signal) => createStateRelay({ store, readModel, checkpoints, publisher, logger }).run(signal),
      ),
    );
  }
  const followers = leased.map((role) => role.follow);
  const app = createHttpServer({ logger, ops: { registry, readiness } });
  if (options.security?.mode === 'secured') installAccessControl(app, { tokens: options.security.tokens });
  app.register(ticketRoutes, { readModel, store });
  app.register(customerRoutes, { store });
  try {
    await app.listen({ host: options.host, port: options.port });
    logger.info({ port: boundPort(app, options.port), host: options.host }, 'projector ready');
    // After the loops stop, fold what was committed meanwhile, so the read model is current on exit.
    // (By the instance that holds the role; it lets the role go only after that.)
    await followUntil(
      followers,
      until,
      () => app.close(),
      async () => void (projecting.held() ? await projector.catchUp() : 0),
    );
  } finally {
    for (const role of leased) await role.close();
    await kafkaCheck?.close();
    await publisher?.close();
    await checkpoints.close();
    await readModel.close();
    await store.close();
    logger.info('projector stopped');
  }
}

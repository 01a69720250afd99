import { parseStoreUrl } from '@tickets/event-store';
import { boundPort, createHttpServer, followUntil, installAccessControl, type Logger, type SecurityConfig } from '@tickets/platform';
import { customerRoutes } from './http/customer-routes.js';
import { ticketRoutes } from './http/ticket-routes.js';
import { openTicketReadModel } from './open-read-model.js';
import { createProjector } from './projector.js';
import { createStateRelay } from './state-relay.js';
import { createKafkaStatePublisher, type KafkaSetup } from '@tickets/messaging';
import { openDomainStore } from '@tickets/streams';

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
}

/** The projector on its own: follows the store into the read model and serves ticket reads. */
export async function runProjectorService(options: ProjectorServiceOptions, until: Promise<unknown>): Promise<void> {
  const { logger } = options;
  const location = parseStoreUrl(options.store);
  const { store, checkpoints } = await openDomainStore(location);
  const readModel = await openTicketReadModel(location, options.readModel);
  const projector = createProjector({ store, readModel, logger });
  const followers = [(signal: AbortSignal) => projector.run(signal)];
  const publisher = options.kafka ? createKafkaStatePublisher({ kafka: options.kafka.kafka, topic: options.kafka.topics.state }) : null;
  if (publisher !== null) followers.push((signal) => createStateRelay({ store, readModel, checkpoints, publisher, logger }).run(signal));
  const app = createHttpServer({ logger });
  if (options.security?.mode === 'secured') installAccessControl(app, { tokens: options.security.tokens });
  app.register(ticketRoutes, { readModel, store });
  app.register(customerRoutes, { store });
  try {
    await app.listen({ host: options.host, port: options.port });
    logger.info({ port: boundPort(app, options.port), host: options.host }, 'projector ready');
    await followUntil(followers, until, () => app.close());
  } finally {
    await publisher?.close();
    await checkpoints.close();
    await readModel.close();
    await store.close();
    logger.info('projector stopped');
  }
}

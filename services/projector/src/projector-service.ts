import { openStore, parseStoreUrl } from '@tickets/event-store';
import { boundPort, createHttpServer, followUntil, type Logger } from '@tickets/platform';
import { ticketRoutes } from './http/ticket-routes.js';
import { openTicketReadModel } from './open-read-model.js';
import { createProjector } from './projector.js';

export interface ProjectorServiceOptions {
  readonly store: string;
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
}

/** The projector on its own: follows the store into the read model and serves ticket reads. */
export async function runProjectorService(options: ProjectorServiceOptions, until: Promise<unknown>): Promise<void> {
  const { logger } = options;
  const location = parseStoreUrl(options.store);
  const { store, checkpoints } = await openStore(location);
  await checkpoints.close(); // the read model keeps its checkpoint with its rows
  const readModel = openTicketReadModel(location);
  const projector = createProjector({ store, readModel, logger });
  const app = createHttpServer({ logger });
  app.register(ticketRoutes, { readModel, store });
  try {
    await app.listen({ host: options.host, port: options.port });
    logger.info({ port: boundPort(app, options.port), host: options.host }, 'projector ready');
    await followUntil([(signal) => projector.run(signal)], until, () => app.close());
  } finally {
    await readModel.close();
    await store.close();
    logger.info('projector stopped');
  }
}

import type { ReopenPolicy } from '@tickets/domain';
import { openStore, parseStoreUrl } from '@tickets/event-store';
import { boundPort, createHttpServer, type Logger } from '@tickets/platform';
import { ingestRoutes } from './http/ingest-routes.js';
import { createIngest } from './ingest.js';

export interface IngestServiceOptions {
  readonly store: string;
  readonly policy: ReopenPolicy;
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
}

/** The ingest service on its own: `POST /v1/events` into the store, until `until` settles. */
export async function runIngestService(options: IngestServiceOptions, until: Promise<unknown>): Promise<void> {
  const { logger } = options;
  const { store, checkpoints } = await openStore(parseStoreUrl(options.store));
  await checkpoints.close(); // ingest keeps no checkpoint
  const ingest = createIngest({ store, policy: options.policy, logger });
  const app = createHttpServer({ logger });
  app.register(ingestRoutes, { ingest });
  try {
    await app.listen({ host: options.host, port: options.port });
    logger.info({ port: boundPort(app, options.port), host: options.host }, 'ingest ready');
    await until;
  } finally {
    await app.close();
    await ingest.close();
    await store.close();
    logger.info('ingest stopped');
  }
}

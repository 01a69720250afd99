import type { FastifyInstance } from 'fastify';
import { ingestRoutes } from '@tickets/ingest';
import { createHttpServer, type Logger } from '@tickets/platform';
import { customerRoutes, ticketRoutes } from '@tickets/projector';
import type { Runtime } from './runtime.js';
import { uiRoutes } from './ui/ui-routes.js';

export interface HttpAppOptions {
  readonly runtime: Runtime;
  readonly logger: Logger;
  /** Largest request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
}

/** The HTTP API of `tickets serve`: ingest, ticket reads and timelines, the timeline pages, health — one server. */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const { runtime } = options;
  const app = createHttpServer(options.bodyLimit === undefined ? { logger: options.logger } : { logger: options.logger, bodyLimit: options.bodyLimit });
  app.register(ingestRoutes, { ingest: runtime.ingest });
  app.register(ticketRoutes, { readModel: runtime.readModel, store: runtime.store });
  app.register(customerRoutes, { store: runtime.store });
  app.register(uiRoutes, { store: runtime.store });
  return app;
}

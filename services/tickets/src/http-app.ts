import type { FastifyInstance } from 'fastify';
import { ingestRoutes } from '@tickets/ingest';
import { createHttpServer, type Logger } from '@tickets/platform';
import { ticketRoutes } from '@tickets/projector';
import type { Runtime } from './runtime.js';

export interface HttpAppOptions {
  readonly runtime: Runtime;
  readonly logger: Logger;
  /** Largest request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
}

/** The HTTP API of `tickets serve`: ingest, ticket reads and timelines, health — one server. */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const { runtime } = options;
  const app = createHttpServer(options.bodyLimit === undefined ? { logger: options.logger } : { logger: options.logger, bodyLimit: options.bodyLimit });
  app.register(ingestRoutes, { ingest: runtime.ingest });
  app.register(ticketRoutes, { readModel: runtime.readModel, store: runtime.store });
  return app;
}

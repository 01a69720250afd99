import type { FastifyInstance } from 'fastify';
import { ingestRoutes } from '@tickets/ingest';
import { createHttpServer, type Logger, type OpsRoutesOptions } from '@tickets/platform';
import { customerRoutes, ticketRoutes } from '@tickets/projector';
import type { Runtime } from './runtime.js';
import { uiRoutes } from './ui/ui-routes.js';

export interface HttpAppOptions {
  readonly runtime: Runtime;
  readonly logger: Logger;
  /** Largest request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Readiness checks and the metrics registry for /readyz and /metrics (see commands/serve.ts). */
  readonly ops?: OpsRoutesOptions;
}

/** The HTTP API of `tickets serve`: ingest, ticket reads and timelines, the timeline pages, health — one server. */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const { runtime } = options;
  const app = createHttpServer({
    logger: options.logger,
    ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    ...(options.ops === undefined ? {} : { ops: options.ops }),
  });
  app.register(ingestRoutes, { ingest: runtime.ingest });
  app.register(ticketRoutes, { readModel: runtime.readModel, store: runtime.store });
  app.register(customerRoutes, { store: runtime.store });
  app.register(uiRoutes, { store: runtime.store });
  return app;
}

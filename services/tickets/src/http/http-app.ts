import type { FastifyInstance } from 'fastify';
import { ingestRoutes } from '@tickets/ingest';
import {
  createHttpServer,
  developmentSecurity,
  installAccessControl,
  systemClock,
  type Clock,
  type Logger,
  type OpsRoutesOptions,
  type SecurityConfig,
} from '@tickets/platform';
import { customerRoutes, ticketRoutes } from '@tickets/projector';
import type { Runtime } from '../runtime.js';
import { erasureRoutes } from './erasure-routes.js';
import { openApiRoute } from './openapi-route.js';
import { uiRoutes } from '../ui/ui-routes.js';

export interface HttpAppOptions {
  readonly runtime: Runtime;
  readonly logger: Logger;
  /** Largest request body in bytes (default: the security settings' limit, 1 MiB). */
  readonly bodyLimit?: number;
  /** Signed ingest, read tokens and limits; development mode (nothing enforced) when absent. */
  readonly security?: SecurityConfig;
  /** For signature timestamps and rate limits. */
  readonly clock?: Clock;
  /** Readiness checks and the metrics registry for /readyz and /metrics (see commands/serve.ts). */
  readonly ops?: OpsRoutesOptions;
}

/** The HTTP API of `tickets serve`: ingest, ticket reads and timelines, the timeline pages, health — one server. */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const { runtime } = options;
  const security = options.security ?? developmentSecurity();
  const app = createHttpServer({
    logger: options.logger,
    bodyLimit: options.bodyLimit ?? security.limits.maxBodyBytes,
    timeouts: security.timeouts,
    ...(options.ops === undefined ? {} : { ops: options.ops }),
  });
  if (security.mode === 'secured') installAccessControl(app, { tokens: security.tokens });
  app.register(ingestRoutes, {
    ingest: runtime.ingest,
    security,
    store: runtime.store,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  app.register(ticketRoutes, { readModel: runtime.readModel, store: runtime.store });
  app.register(customerRoutes, { store: runtime.store });
  app.register(uiRoutes, { store: runtime.store });
  app.register(erasureRoutes, {
    pii: runtime.pii,
    secured: security.mode === 'secured',
    clock: options.clock ?? systemClock,
  });
  app.register(openApiRoute);
  return app;
}

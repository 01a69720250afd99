import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { ingestRoutes } from '@tickets/ingest';
import type { Logger } from '@tickets/platform';
import { ticketRoutes } from '@tickets/projector';
import type { Runtime } from './runtime.js';

export interface HttpAppOptions {
  readonly runtime: Runtime;
  readonly logger: Logger;
  /** Largest request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
}

/** The HTTP API of `tickets serve`: ingest, ticket reads, timelines and health, one Fastify app. */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const { runtime } = options;
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 1_048_576,
    // Slow clients must not hold connections for ever.
    requestTimeout: 30_000,
    connectionTimeout: 10_000,
    disableRequestLogging: false,
  });

  // Errors keep one shape: { error: { code, message } }, with a 4xx for what the client sent.
  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    const code = status === 500 ? 'INTERNAL' : (error.code ?? 'REQUEST.INVALID');
    const message = status === 500 ? 'internal error' : error.message;
    return reply.code(status).send({ error: { code, message } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { code: 'REQUEST.NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.register(ingestRoutes, { ingest: runtime.ingest });
  app.register(ticketRoutes, { readModel: runtime.readModel, store: runtime.store });
  return app;
}

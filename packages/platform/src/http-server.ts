import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from './logger.js';
import { opsRoutes, type OpsRoutesOptions } from './http/ops-routes.js';
import { traceLogging } from './http/trace-logging.js';

/** Longest path parameter (Fastify's default, 100, answered 414 for valid 101-256 character ids). */
export const MAX_PARAM_LENGTH = 1_024;

export interface HttpServerOptions {
  readonly logger: Logger;
  /** Largest request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Against slow clients (default 30 s for a whole request, 10 s of silence on a connection). */
  readonly timeouts?: { readonly requestMs: number; readonly idleMs: number };
  /** `GET /readyz` and `GET /metrics` (see opsRoutes); without it only `/healthz` is served. */
  readonly ops?: OpsRoutesOptions;
}

/** What every HTTP refusal and failure answers: a stable code to branch on and a message for people. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/** The one error shape of every service's HTTP API (docs/http-api.md); a route adds its own fields beside it. */
export const errorBody = (code: string, message: string): ErrorBody => ({ error: { code, message } });

/**
 * The Fastify base every service's HTTP API shares: our logger, body and time limits, one error
 * shape `{ error: { code, message } }` with a 4xx for what the client sent, `GET /healthz` and `/livez`,
 * and `Cache-Control: no-store` on every answer that sets no other.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const requestMs = options.timeouts?.requestMs ?? 30_000;
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 1_048_576,
    // Slow clients must not hold connections for ever.
    requestTimeout: requestMs,
    connectionTimeout: options.timeouts?.idleMs ?? 10_000,
    // Node checks the request and header deadlines only every `connectionsCheckingInterval` (30 s by
    // default) and gives headers 60 s whatever the request timeout: a client dripping a byte every
    // few seconds kept a request open for 73 s. Headers get the request's deadline, checked each second.
    http: {
      requestTimeout: requestMs,
      headersTimeout: requestMs,
      connectionsCheckingInterval: Math.min(1_000, requestMs),
    },
    // Ids in paths are up to 256 characters (the schema's limit), percent-encoded up to three times longer.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  });
  // Reads and pages show tickets and customers' data: never kept by a browser or a shared cache.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, request, reply) => {
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    const code = status === 500 ? 'INTERNAL' : (error.code ?? 'REQUEST.INVALID');
    const message = status === 500 ? 'internal error' : error.message;
    return reply.code(status).send(errorBody(code, message));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('REQUEST.NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
  app.get('/healthz', async () => ({ status: 'ok' }));
  // Liveness: the process answers; readiness (its dependencies) is /readyz.
  app.get('/livez', async () => ({ status: 'ok' }));
  // Operations: trace ids on request log lines, readiness and metrics (unauthenticated, like /healthz).
  app.register(traceLogging);
  if (options.ops !== undefined) app.register(opsRoutes, options.ops);
  return app;
}

/** The port the server is bound to (with port 0 the OS picks it). */
export function boundPort(app: FastifyInstance, requested: number): number {
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? address.port : requested;
}

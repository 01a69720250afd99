import type { FastifyPluginAsync } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { readTraceContext, traceIdOf } from '../tracing/trace-context.js';

/**
 * Every log line of a request that came with a W3C `traceparent` header carries its `traceId`.
 * Applied to the whole server (not encapsulated), so routes of every plugin get it.
 */
export const traceLogging: FastifyPluginAsync = fastifyPlugin(
  async (app) => {
    app.setChildLoggerFactory((logger, bindings, options, rawRequest) => {
      const traceId = traceIdOf(readTraceContext(rawRequest.headers));
      return logger.child(traceId === undefined ? bindings : { ...bindings, traceId }, options);
    });
  },
  { name: 'trace-logging' },
);

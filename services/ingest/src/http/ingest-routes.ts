import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { readTraceContext } from '@tickets/platform';
import type { Ingest } from '../ingest.js';
import type { IngestResult } from '../ingest-results.js';
import { validateInbound } from '../validate-inbound.js';

export interface IngestRoutesOptions {
  readonly ingest: Ingest;
  /** Most events in one POST. */
  readonly maxBatchEvents?: number;
}

const CLOUDEVENTS_TYPES = ['application/cloudevents+json', 'application/cloudevents-batch+json'];

/**
 * `POST /v1/events`: one CloudEvent or a batch (JSON array). A request with any invalid event is
 * refused whole with 400 and every zod issue, so nothing of it is stored; otherwise 202 with one
 * result per event, once the accepted ones are durably appended.
 */
export const ingestRoutes: FastifyPluginAsync<IngestRoutesOptions> = async (app: FastifyInstance, options) => {
  const maxBatchEvents = options.maxBatchEvents ?? 1_000;
  // CloudEvents' own media types are JSON too.
  app.addContentTypeParser(CLOUDEVENTS_TYPES, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  app.post('/v1/events', async (request, reply) => {
    const body = request.body;
    const batch = Array.isArray(body);
    const events: unknown[] = batch ? body : [body];
    if (events.length === 0) {
      return reply.code(400).send({ error: { code: 'REQUEST.EMPTY_BATCH', message: 'the batch holds no event' } });
    }
    if (events.length > maxBatchEvents) {
      return reply.code(413).send({
        error: { code: 'REQUEST.BATCH_TOO_LARGE', message: `at most ${maxBatchEvents} events per request` },
      });
    }
    const invalid = events.flatMap((event, index) => {
      const validation = validateInbound(event);
      return validation.ok ? [] : [{ index, ...(validation.id === undefined ? {} : { id: validation.id }), reasons: validation.reasons }];
    });
    if (invalid.length > 0) {
      request.log.warn({ invalid: invalid.length, events: events.length }, 'request refused: invalid events');
      return reply.code(400).send({
        error: { code: 'REQUEST.INVALID_EVENTS', message: `${invalid.length} of ${events.length} events are invalid; nothing was stored` },
        invalid,
      });
    }
    // W3C trace context of the request; an event's own traceparent attribute wins inside the ingest.
    const results: IngestResult[] = await options.ingest.submit(events, 'http', readTraceContext(request.headers));
    if (!batch && results[0]?.status === 'rejected') {
      return reply.code(422).send({ error: { code: 'REQUEST.REJECTED', message: 'the event was rejected' }, results });
    }
    return reply.code(202).send({ results });
  });
};

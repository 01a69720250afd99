import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { EventStore } from '@tickets/event-store';
import {
  createRateLimiter,
  decodeUtf8,
  DEFAULT_INGEST_LIMITS,
  errorBody,
  readTraceContext,
  systemClock,
  type Clock,
  type IngestLimits,
  type Integration,
  type SecurityConfig,
} from '@tickets/platform';
import { eventLimitViolations, serializedBytes } from '../event-limits.js';
import { jsonShapeProblem } from '../json-shape.js';
import type { Ingest } from '../ingest.js';
import { createScopeCheck } from '../integration-scope.js';
import { futureTimeReasons } from '../live-checks.js';
import type { IngestResult } from '../ingest-results.js';
import { validateInbound, type RejectionReason } from '../validate-inbound.js';
import { readBinaryMode } from './binary-mode.js';
import { rateLimitHeaders } from './rate-limit-headers.js';
import { createWebhookAuth } from './webhook-auth.js';

export interface IngestRoutesOptions {
  readonly ingest: Ingest;
  /** Most events in one POST (overrides `limits.maxBatchEvents`). */
  readonly maxBatchEvents?: number;
  /** Signatures, rate limits and sizes; absent = development mode with the default limits. */
  readonly security?: SecurityConfig;
  readonly clock?: Clock;
  /** Where the integration scope finds whose tickets are whose; required in secured mode. */
  readonly store?: EventStore;
}

const JSON_TYPES = ['application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json'];

interface Invalid {
  readonly index: number;
  readonly id?: string;
  readonly reasons: readonly RejectionReason[];
}

const idOf = (event: unknown): { id?: string } => {
  const id = typeof event === 'object' && event !== null ? (event as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? { id } : {};
};

/**
 * `POST /v1/events`: one CloudEvent or a batch (JSON array). In secured mode the request must be
 * signed (Standard Webhooks) by the integration owning every event's source, and is counted against
 * that integration's rate limit, and its events must stay within the integration's scope (403, see
 * integration-scope.ts). A request with any event over a limit (413) or invalid (400) is
 * refused whole, so nothing of it is stored; otherwise 202 with one result per event, once the
 * accepted ones are durably appended.
 */
export const ingestRoutes: FastifyPluginAsync<IngestRoutesOptions> = async (app: FastifyInstance, options) => {
  const { security } = options;
  const clock = options.clock ?? systemClock;
  const limits: IngestLimits = {
    ...(security?.limits ?? DEFAULT_INGEST_LIMITS),
    ...(options.maxBatchEvents === undefined ? {} : { maxBatchEvents: options.maxBatchEvents }),
  };
  const signed = security?.mode === 'secured';
  const webhooks = createWebhookAuth({
    integrations: security?.integrations ?? [],
    toleranceSeconds: security?.toleranceSeconds ?? 300,
    clock,
  });
  const limiter = createRateLimiter(clock);
  if (signed && options.store === undefined)
    throw new Error('ingestRoutes: secured mode needs the store, to check integration scopes');
  const scope =
    signed && options.store !== undefined
      ? createScopeCheck(options.store, security?.integrations ?? [], { decided: options.ingest })
      : undefined;

  // The signature covers the exact bytes received: keep them beside the parsed body. This parser
  // replaces the default JSON one inside this plugin only.
  const rawBodies = new WeakMap<FastifyRequest, Buffer>();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // Only JSON here: a signed `text/plain` body is 415, not a request with no event in it.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    rawBodies.set(request, raw);
    const text = decodeUtf8(raw);
    if (text === null)
      return done(
        Object.assign(new Error('the body is not valid UTF-8; nothing was stored'), {
          statusCode: 400,
          code: 'REQUEST.INVALID_UTF8',
        }),
      );
    parseJson(request, text, done);
  });

  app.post('/v1/events', { config: { access: 'signed' } }, async (request, reply) => {
    // CloudEvents binary mode: the same event as structured mode, its attributes read from headers.
    const binary = readBinaryMode(request.headers, request.body);
    if (binary?.ok === false) {
      request.log.warn(
        { headers: binary.answer.invalid[0].reasons.map((reason) => reason.path) },
        'request refused: binary-mode headers',
      );
      return reply.code(400).send(binary.answer);
    }
    const body = binary === null ? request.body : binary.event;
    const batch = binary === null && Array.isArray(body);
    const events: unknown[] = batch ? body : [body];
    if (events.length === 0) {
      return reply.code(400).send(errorBody('REQUEST.EMPTY_BATCH', 'the batch holds no event'));
    }
    const notEvents = events.flatMap((event, index) =>
      typeof event === 'object' && event !== null && !Array.isArray(event) ? [] : [index],
    );
    if (notEvents.length > 0) {
      const what = batch
        ? `elements ${notEvents.join(', ')} of the batch are not JSON objects`
        : 'the body is not a JSON object';
      return reply
        .code(400)
        .send(errorBody('REQUEST.NOT_AN_EVENT', `${what}: a CloudEvent or an array of them is expected`));
    }

    let integration: string | undefined;
    let sender: Integration | undefined;
    if (signed) {
      const auth = webhooks.authenticate({
        headers: request.headers,
        body: rawBodies.get(request) ?? Buffer.alloc(0),
        events,
        ...(binary === null ? {} : { unsignedParts: binary.unsignedParts }),
      });
      if (!auth.ok) {
        request.log.warn(
          { reason: auth.reason, integration: auth.integration, status: auth.status },
          'ingest refused: authentication',
        );
        return reply.code(auth.status).send(errorBody(auth.code, auth.message));
      }
      integration = auth.integration.name;
      sender = auth.integration;
      if (auth.replay)
        request.log.info({ integration, webhookId: auth.webhookId }, 'webhook retried with the same id and body');
    }

    if (events.length > limits.maxBatchEvents) {
      return reply
        .code(413)
        .send(errorBody('REQUEST.BATCH_TOO_LARGE', `at most ${limits.maxBatchEvents} events per request`));
    }
    const rawSize = rawBodies.get(request)?.length;
    const oversized: Invalid[] = events.flatMap((event, index) => {
      // Too deep to serialise safely (a batch's event, a binary-mode event built from headers and
      // data): validation refuses it below, with its reason.
      if ((batch || binary !== null) && jsonShapeProblem(event) !== null) return [];
      // A binary-mode body is the data only: the event's size is that of its structured form.
      const bytes = !batch && binary === null && rawSize !== undefined ? rawSize : serializedBytes(event);
      const reasons = eventLimitViolations(event, bytes, limits);
      return reasons.length === 0 ? [] : [{ index, ...idOf(event), reasons }];
    });
    if (oversized.length > 0) {
      request.log.warn(
        { integration, oversized: oversized.length, events: events.length },
        'ingest refused: events over a limit',
      );
      return reply.code(413).send({
        ...errorBody(
          'REQUEST.EVENT_TOO_LARGE',
          `${oversized.length} of ${events.length} events are over a size limit; nothing was stored`,
        ),
        invalid: oversized,
      });
    }

    if (signed && integration !== undefined && security !== undefined) {
      const bucket =
        security.integrations.find((candidate) => candidate.name === integration)?.rateLimit ?? security.rateLimit;
      const taken = limiter.take(integration, bucket, events.length);
      reply.headers(rateLimitHeaders(bucket, taken));
      if (!taken.ok) {
        request.log.warn(
          { integration, events: events.length, retryAfter: taken.retryAfterSeconds },
          'ingest refused: rate limit',
        );
        return reply
          .code(429)
          .send(
            errorBody(
              'REQUEST.RATE_LIMITED',
              `rate limit of ${bucket.perSecond} events/s exceeded; retry after ${taken.retryAfterSeconds} s`,
            ),
          );
      }
    }

    const receivedAt = clock().getTime();
    const validations = events.map(validateInbound);
    const invalid: Invalid[] = validations.flatMap((validation, index) => {
      if (validation.ok) {
        const reasons = futureTimeReasons(validation.event.time, receivedAt, limits.maxFutureSeconds);
        return reasons.length === 0 ? [] : [{ index, id: validation.event.id, reasons }];
      }
      return [{ index, ...(validation.id === undefined ? {} : { id: validation.id }), reasons: validation.reasons }];
    });
    if (invalid.length > 0) {
      request.log.warn(
        { integration, invalid: invalid.length, events: events.length },
        'request refused: invalid events',
      );
      return reply.code(400).send({
        ...errorBody(
          'REQUEST.INVALID_EVENTS',
          `${invalid.length} of ${events.length} events are invalid; nothing was stored`,
        ),
        invalid,
      });
    }
    if (scope !== undefined && sender !== undefined) {
      const valid = validations.flatMap((validation) => (validation.ok ? [validation.event] : []));
      const refusals = await scope.check(sender, valid);
      const outOfScope: Invalid[] = refusals.flatMap((reason, index) =>
        reason === null ? [] : [{ index, id: valid[index]!.id, reasons: [reason] }],
      );
      if (outOfScope.length > 0) {
        request.log.warn(
          {
            integration,
            outOfScope: outOfScope.length,
            events: events.length,
            reasons: outOfScope.map((item) => item.reasons[0]!.path),
          },
          'ingest refused: out of scope',
        );
        // `{ error }` only, as the 403 of the published contract: the reasons are in the message.
        const why = outOfScope
          .slice(0, 5)
          .map((item) => `event ${item.index} (${item.id}): ${item.reasons[0]!.path}: ${item.reasons[0]!.message}`);
        return reply
          .code(403)
          .send(
            errorBody(
              'AUTH.OUT_OF_SCOPE',
              `${outOfScope.length} of ${events.length} events are outside what ${integration} may send; nothing was stored. ${why.join('; ')}`,
            ),
          );
      }
    }
    // W3C trace context of the request; an event's own traceparent attribute wins inside the ingest.
    const results: IngestResult[] = await options.ingest.submit(events, 'http', readTraceContext(request.headers));
    if (!batch && results[0]?.status === 'rejected') {
      return reply.code(422).send({ ...errorBody('REQUEST.REJECTED', 'the event was rejected'), results });
    }
    return reply.code(202).send({ results });
  });
};

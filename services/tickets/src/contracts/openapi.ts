import {
  EventTime,
  InboundEvent,
  MessageReceivedEvent,
  MessageSentEvent,
  TicketAssignedEvent,
  TicketClosedEvent,
  TicketCreatedEvent,
  TicketState,
  TicketTaggedEvent,
} from '@tickets/domain';
import { DEFAULT_INGEST_LIMITS } from '@tickets/platform';
import { ErasureRequest, MAX_TIMELINE_PAGE } from '@tickets/streams';
import { componentSchemas, inlineSchema, ref, type JsonSchema } from './component-schemas.js';
import { CONTRACT_VERSIONS } from './contract-versions.js';
import {
  agentBatch,
  EXAMPLE_CUSTOMER_ID,
  EXAMPLE_TICKET_ID,
  exampleTicketState,
  firstMessage,
  invalidMessage,
  secondMessage,
  SMS_SOURCE,
} from './examples.js';
import {
  CustomerTimelineBody,
  ErasureInvalidBody,
  ErasureResultBody,
  ErrorBody,
  HealthBody,
  IngestRejectedBody,
  IngestResponse,
  IngestResultBody,
  InvalidEventsBody,
  ReadinessBody,
  TicketList,
  TicketTimelineBody,
  TimelineEntry,
} from './http-bodies.js';

const TARGET = 'draft-2020-12';

// Media types `POST /v1/events` parses (services/ingest/src/http/ingest-routes.ts).
const SINGLE = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch+json';
const JSON_TYPE = 'application/json';

const json = (schema: JsonSchema, examples?: Record<string, unknown>) => ({
  content: { [JSON_TYPE]: { schema, ...(examples === undefined ? {} : { examples: exampleValues(examples) }) } },
});
const exampleValues = (examples: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(examples).map(([name, value]) => [name, { value }]));
const errorResponse = (description: string, examples?: Record<string, unknown>) => ({
  description,
  ...json(ref('Error'), examples),
});
const error = (code: string, message: string) => ({ error: { code, message } });

const READ = [{ bearerAuth: ['read'] }];
const ADMIN = [{ bearerAuth: ['admin'] }];
const PUBLIC: never[] = [];
const PAGE_READ = [{ bearerAuth: ['read'] }, { basicAuth: ['read'] }];

const redirect = (description: string) => ({
  description,
  headers: { Location: { description: 'Where to', required: true, schema: { type: 'string' } } },
});
const html = (description: string) => ({
  description,
  content: { 'text/html; charset=utf-8': { schema: { type: 'string' } } },
});
const readErrors = { '401': { $ref: '#/components/responses/Unauthorized' } };
const adminErrors = { ...readErrors, '403': { $ref: '#/components/responses/Forbidden' } };
// Sent on every answer to a signed request that reached the rate limiter (secured mode).
const rateLimitHeaders = {
  headers: {
    RateLimit: { $ref: '#/components/headers/RateLimit' },
    'RateLimit-Policy': { $ref: '#/components/headers/RateLimitPolicy' },
  },
};

/**
 * The OpenAPI 3.1 document of the HTTP API of `tickets serve`, assembled from the zod schemas the
 * routes validate with and answer with. Served at `/openapi.json`; `tickets schema openapi`.
 */
export function openApiDocument(): JsonSchema {
  const eventTypes = {
    MessageReceivedEvent,
    MessageSentEvent,
    TicketCreatedEvent,
    TicketClosedEvent,
    TicketTaggedEvent,
    TicketAssignedEvent,
  };
  const requests = componentSchemas({ InboundEvent, ...eventTypes }, { io: 'input', target: TARGET });
  // Binary mode's body: the `data` of the type `ce-type` names.
  const binaryData = Object.fromEntries(
    Object.entries(eventTypes).map(([name, schema]) => [
      `${name}Data`,
      componentSchemas({ data: schema.shape.data }, { io: 'input', target: TARGET })['data']!,
    ]),
  );
  const eventTypeNames = Object.values(eventTypes).map((schema) => schema.shape.type.value);
  const responses = componentSchemas(
    {
      Error: ErrorBody,
      InvalidEvents: InvalidEventsBody,
      IngestResult: IngestResultBody,
      IngestResults: IngestResponse,
      IngestRejected: IngestRejectedBody,
      TicketState,
      TicketList,
      TimelineEntry,
      TicketTimeline: TicketTimelineBody,
      CustomerTimeline: CustomerTimelineBody,
      ErasureResult: ErasureResultBody,
      ErasureInvalid: ErasureInvalidBody,
      Health: HealthBody,
      Readiness: ReadinessBody,
    },
    { io: 'output', target: TARGET },
  );
  const { maxBatchEvents, maxBodyBytes, maxEventBytes, maxMessageChars } = DEFAULT_INGEST_LIMITS;

  return {
    openapi: '3.1.0',
    info: {
      title: 'Ticket lifecycle HTTP API',
      version: CONTRACT_VERSIONS.http,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      description: [
        'Channel integrations post CloudEvents 1.0 (structured mode, JSON) to `POST /v1/events`; dashboards read tickets and timelines.',
        '',
        "Two modes. **Secured** (an integration or a token configured): `POST /v1/events` must be signed (Standard Webhooks) by the integration owning every event's `source`,",
        'every other route but `/healthz`, `/livez`, `/readyz`, `/metrics` and `/openapi.json` needs a bearer token with the role shown in its `security`.',
        '**Development** (nothing configured, loopback only): nothing is checked and no rate-limit header is sent.',
        '',
        'Every error has the body `{ "error": { "code", "message" } }`; branch on `code`.',
        'Events come in either mode of the CloudEvents HTTP binding: structured (the event as the body; a batch as a JSON array) or binary (one event: its attributes in `ce-*` headers, percent-encoded, its `data` as the `application/json` body).',
        `Default limits: ${maxBatchEvents} events per request, ${maxBodyBytes} bytes per body, ${maxEventBytes} bytes per event, ${maxMessageChars} characters per message body.`,
      ].join('\n'),
    },
    servers: [{ url: 'http://127.0.0.1:8080', description: '`tickets serve` on its default port' }],
    tags: [
      { name: 'ingest', description: 'Events from channel integrations' },
      {
        name: 'tickets',
        description: 'Ticket states and timelines (the read side, a few milliseconds behind the store)',
      },
      { name: 'customers', description: 'Customers: timelines and erasure' },
      { name: 'operations', description: 'Probes, metrics and this document; never need a token' },
      { name: 'pages', description: 'The web pages for support engineers' },
    ],
    paths: {
      '/v1/events': {
        post: {
          operationId: 'postEvents',
          tags: ['ingest'],
          summary: 'Submit one CloudEvent or a batch',
          description: [
            'Answered once the accepted events are durably stored. A request with an invalid event (400) or an event over a limit (413) is refused whole: nothing of it is stored.',
            'An event whose `(source, id)` was already stored is a `duplicate` and changes nothing, however long after: retry freely with the same ids.',
            "The integration is the one owning the first event's `source`; every event must have a source it owns, and stay within the integration's scope (else 403).",
          ].join(' '),
          security: [{ standardWebhooks: [] }],
          parameters: [
            { $ref: '#/components/parameters/WebhookId' },
            { $ref: '#/components/parameters/WebhookTimestamp' },
            { $ref: '#/components/parameters/Traceparent' },
            ...binaryHeaders(eventTypeNames),
          ],
          requestBody: {
            required: true,
            content: {
              [SINGLE]: {
                schema: ref('InboundEvent'),
                examples: exampleValues({ message: firstMessage, retry: firstMessage, invalid: invalidMessage }),
              },
              [BATCH]: {
                schema: { type: 'array', items: ref('InboundEvent'), minItems: 1, maxItems: maxBatchEvents },
                examples: exampleValues({ batch: agentBatch }),
              },
              [JSON_TYPE]: {
                schema: {
                  description:
                    'Structured mode (an event, or a batch), or binary mode (with `ce-*` headers: the `data` of the type `ce-type` names)',
                  anyOf: [
                    ref('InboundEvent'),
                    { type: 'array', items: ref('InboundEvent'), minItems: 1, maxItems: maxBatchEvents },
                    ...Object.keys(binaryData).map((name) => ref(name)),
                  ],
                },
                examples: exampleValues({ binary: secondMessage.data }),
              },
            },
          },
          responses: {
            '202': {
              description:
                'Stored: one result per event, `accepted` (with its ticket), `duplicate` or `rejected` (with reasons; in a batch only)',
              ...rateLimitHeaders,
              ...json(ref('IngestResults'), {
                message: {
                  results: [
                    {
                      status: 'accepted',
                      id: 'sms-1',
                      source: SMS_SOURCE,
                      ticketId: EXAMPLE_TICKET_ID,
                      routing: 'new_ticket',
                    },
                  ],
                },
                batch: {
                  results: agentBatch.map((event) => ({
                    status: 'accepted',
                    id: event.id,
                    source: event.source,
                    ticketId: EXAMPLE_TICKET_ID,
                    routing: null,
                  })),
                },
                retry: { results: [{ status: 'duplicate', id: 'sms-1', source: SMS_SOURCE }] },
                binary: {
                  results: [
                    {
                      status: 'accepted',
                      id: secondMessage.id,
                      source: SMS_SOURCE,
                      ticketId: EXAMPLE_TICKET_ID,
                      routing: 'reopen',
                    },
                  ],
                },
              }),
            },
            '400': {
              description:
                'Malformed JSON, a body that is not UTF-8 (`REQUEST.INVALID_UTF8`), not an object or an array of objects (`REQUEST.NOT_AN_EVENT`), an empty batch (`{ error }`), binary-mode headers missing or not decodable (`REQUEST.INVALID_HEADERS`, each header in `invalid`), or invalid events (`{ error, invalid }`, every zod issue of every event, an event `time` too far ahead of its receipt (`too_far_ahead`); with the rate-limit headers)',
              ...rateLimitHeaders,
              ...json(
                { oneOf: [ref('InvalidEvents'), ref('Error')] },
                {
                  invalid: {
                    error: { code: 'REQUEST.INVALID_EVENTS', message: '1 of 1 events are invalid; nothing was stored' },
                    invalid: [
                      {
                        index: 0,
                        id: 'sms-bad',
                        reasons: [
                          {
                            path: 'data.customer.id',
                            message: 'must equal the CloudEvent subject ("cus_marie")',
                            code: 'custom',
                          },
                        ],
                      },
                    ],
                  },
                },
              ),
            },
            '401': errorResponse(
              '`AUTH.INVALID_SIGNATURE`: not signed with a current secret of the integration owning the source, or the timestamp is not within the tolerance (one answer for all)',
            ),
            '403': {
              description:
                "`AUTH.FOREIGN_SOURCE`: an event's source belongs to no or another integration; `AUTH.OUT_OF_SCOPE`: an event names an integration or channel outside the integration's scope, or acts on a ticket of another integration (the message names each event, the field and why; with the rate-limit headers)",
              ...rateLimitHeaders,
              ...json(ref('Error')),
            },
            '409': errorResponse('`AUTH.WEBHOOK_ID_REUSED`: this `webhook-id` was used for another body'),
            '413': {
              description:
                'The body, the batch or an event is over a limit (`REQUEST.EVENT_TOO_LARGE` names each event and field in `invalid`)',
              ...json({ oneOf: [ref('InvalidEvents'), ref('Error')] }),
            },
            '415': errorResponse('Not one of the JSON media types'),
            '422': {
              description: 'A single event, valid but rejected by the decision (e.g. an unknown `ticketId`)',
              ...rateLimitHeaders,
              ...json(ref('IngestRejected')),
            },
            '429': {
              description: "`REQUEST.RATE_LIMITED`: the integration's rate (in events) is exceeded; nothing was stored",
              headers: {
                'Retry-After': { $ref: '#/components/headers/RetryAfter' },
                RateLimit: { $ref: '#/components/headers/RateLimit' },
                'RateLimit-Policy': { $ref: '#/components/headers/RateLimitPolicy' },
              },
              ...json(ref('Error')),
            },
            '500': { $ref: '#/components/responses/Internal' },
          },
        },
      },
      '/v1/tickets': {
        get: {
          operationId: 'listTickets',
          tags: ['tickets'],
          summary: "A customer's tickets",
          security: READ,
          parameters: [
            {
              name: 'customer',
              in: 'query',
              required: true,
              schema: { type: 'string', minLength: 1 },
              examples: exampleValues({ marie: EXAMPLE_CUSTOMER_ID }),
            },
          ],
          responses: {
            '200': {
              description: 'The tickets, oldest first (empty for an unknown customer)',
              ...json(ref('TicketList')),
            },
            '400': errorResponse('`REQUEST.MISSING_PARAMETER`'),
            ...readErrors,
          },
        },
      },
      '/v1/tickets/{id}': {
        get: {
          operationId: 'getTicket',
          tags: ['tickets'],
          summary: "A ticket's state",
          security: READ,
          parameters: [ticketIdParameter()],
          responses: {
            '200': { description: 'The state', ...json(ref('TicketState'), { known: exampleTicketState }) },
            '404': errorResponse('`TICKET.NOT_FOUND`', {
              unknown: error('TICKET.NOT_FOUND', 'unknown ticket tk_unknown'),
            }),
            ...readErrors,
          },
        },
      },
      '/v1/tickets/{id}/timeline': {
        get: {
          operationId: 'getTicketTimeline',
          tags: ['tickets'],
          summary: "A ticket's history: each event, the state after it and what changed",
          security: READ,
          parameters: [
            ticketIdParameter({ known: EXAMPLE_TICKET_ID, unknown: 'tk_unknown', asOf: EXAMPLE_TICKET_ID }),
            atParameter(),
            ...pageParameters(500),
          ],
          responses: {
            '200': {
              description: 'One page of the timeline, with links to the neighbouring pages',
              ...json(ref('TicketTimeline')),
            },
            '400': errorResponse(
              '`REQUEST.INVALID_PARAMETER`: `at` is not an RFC 3339 date-time, or `from`/`limit` out of range',
            ),
            '404': errorResponse('`TICKET.NOT_FOUND`', {
              unknown: error('TICKET.NOT_FOUND', 'unknown ticket tk_unknown'),
            }),
            ...readErrors,
          },
        },
      },
      '/v1/customers/{id}/timeline': {
        get: {
          operationId: 'getCustomerTimeline',
          tags: ['customers'],
          summary: "A customer's tickets in order, each message's routing decision and the reopen window used",
          security: READ,
          parameters: [customerIdParameter({ known: EXAMPLE_CUSTOMER_ID, unknown: 'cus_unknown' }), atParameter()],
          responses: {
            '200': { description: 'The timeline', ...json(ref('CustomerTimeline')) },
            '400': errorResponse('`REQUEST.INVALID_PARAMETER`'),
            '404': errorResponse('`CUSTOMER.NOT_FOUND`', {
              unknown: error('CUSTOMER.NOT_FOUND', 'unknown customer cus_unknown'),
            }),
            ...readErrors,
          },
        },
      },
      '/v1/customers/{id}/erase': {
        post: {
          operationId: 'eraseCustomer',
          tags: ['customers'],
          summary: "Erase a customer's personal data (crypto-shredding)",
          description:
            'Deletes the customer\'s keys and records `CustomerErased`; their personal fields then read `"[erased]"` everywhere. Refused (403) in development mode, and (404) for a customer the store never saw.',
          security: ADMIN,
          parameters: [
            {
              name: 'id',
              in: 'path',
              required: true,
              schema: inlineSchema(ErasureRequest.shape.customerId, { io: 'input', target: TARGET }),
              examples: exampleValues({ marie: EXAMPLE_CUSTOMER_ID }),
            },
          ],
          responses: {
            '200': { description: 'Erased', ...json(ref('ErasureResult')) },
            '400': { description: '`ERASURE.INVALID`', ...json(ref('ErasureInvalid')) },
            '404': errorResponse('`ERASURE.UNKNOWN_CUSTOMER`: the store never saw this customer; nothing is recorded'),
            ...adminErrors,
            '501': errorResponse('`ERASURE.UNAVAILABLE`: personal-data encryption is off'),
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          tags: ['operations'],
          summary: 'Liveness',
          security: PUBLIC,
          responses: { '200': { description: 'Up', ...json(ref('Health')) } },
        },
      },
      '/livez': {
        get: {
          operationId: 'liveness',
          tags: ['operations'],
          summary: 'Liveness, under the name orchestrators expect',
          security: PUBLIC,
          responses: { '200': { description: 'Up', ...json(ref('Health')) } },
        },
      },
      '/readyz': {
        get: {
          operationId: 'readiness',
          tags: ['operations'],
          summary: 'Readiness: the store reachable, the projection caught up, Kafka connected',
          security: PUBLIC,
          responses: {
            '200': { description: 'Ready', ...json(ref('Readiness')) },
            '503': { description: "Not ready, with each failing check's reason", ...json(ref('Readiness')) },
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          tags: ['operations'],
          summary: 'Prometheus metrics (when TICKETS_METRICS is on)',
          security: PUBLIC,
          responses: {
            '200': {
              description: 'Prometheus text format',
              content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } },
            },
            '404': errorResponse('Metrics are switched off'),
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openApiDocument',
          tags: ['operations'],
          summary: 'This document',
          security: PUBLIC,
          responses: {
            '200': { description: 'OpenAPI 3.1', content: { [JSON_TYPE]: { schema: { type: 'object' } } } },
          },
        },
      },
      '/': {
        get: {
          operationId: 'home',
          tags: ['pages'],
          summary: 'To the pages',
          security: PUBLIC,
          responses: { '302': redirect('To `/ui/`') },
        },
      },
      '/ui': {
        get: {
          operationId: 'pagesHome',
          tags: ['pages'],
          summary: 'To the search page',
          security: PAGE_READ,
          responses: { '302': redirect('To `/ui/`'), ...readErrors },
        },
      },
      '/ui/': {
        get: {
          operationId: 'searchPage',
          tags: ['pages'],
          summary: 'Find a ticket or a customer',
          security: PAGE_READ,
          responses: { '200': html('The page'), ...readErrors },
        },
      },
      '/ui/find': {
        get: {
          operationId: 'findPage',
          tags: ['pages'],
          summary: "The search form's target: to the ticket's or the customer's page",
          security: PAGE_READ,
          parameters: [
            {
              name: 'q',
              in: 'query',
              required: false,
              description: 'A ticket id, else a customer id',
              schema: { type: 'string' },
              examples: exampleValues({ known: EXAMPLE_TICKET_ID }),
            },
            { name: 'ticket', in: 'query', required: false, description: 'A ticket id', schema: { type: 'string' } },
            {
              name: 'customer',
              in: 'query',
              required: false,
              description: 'A customer id',
              schema: { type: 'string' },
            },
          ],
          responses: {
            '303': redirect('To `/ui/tickets/{id}` or `/ui/customers/{id}`'),
            '400': html('Nothing to look for'),
            '404': html('No such ticket or customer'),
            ...readErrors,
          },
        },
      },
      '/ui/assets/timeline.css': {
        get: {
          operationId: 'pagesStyle',
          tags: ['pages'],
          summary: "The pages' style sheet",
          security: PAGE_READ,
          responses: {
            '200': { description: 'CSS', content: { 'text/css; charset=utf-8': { schema: { type: 'string' } } } },
            ...readErrors,
          },
        },
      },
      '/ui/tickets/{id}': {
        get: {
          operationId: 'ticketPage',
          tags: ['pages'],
          summary: "A ticket's timeline page",
          security: PAGE_READ,
          parameters: [ticketIdParameter({ known: EXAMPLE_TICKET_ID }), atParameter(), ...pageParameters(100)],
          responses: {
            '200': html('The page'),
            '400': html('`at` is not a date-time, or `from`/`limit` out of range'),
            '404': html('No such ticket'),
            ...readErrors,
          },
        },
      },
      '/ui/customers/{id}': {
        get: {
          operationId: 'customerPage',
          tags: ['pages'],
          summary: "A customer's timeline page",
          security: PAGE_READ,
          parameters: [customerIdParameter({ known: EXAMPLE_CUSTOMER_ID }), atParameter()],
          responses: {
            '200': html('The page'),
            '400': html('`at` is not a date-time'),
            '404': html('No such customer'),
            ...readErrors,
          },
        },
      },
    },
    components: {
      schemas: { ...requests, ...binaryData, ...responses },
      parameters: {
        WebhookId: {
          name: 'webhook-id',
          in: 'header',
          required: false,
          description:
            'Standard Webhooks: unique per message; reuse it only to retry the same body. Required in secured mode.',
          schema: { type: 'string', minLength: 1 },
        },
        WebhookTimestamp: {
          name: 'webhook-timestamp',
          in: 'header',
          required: false,
          description:
            "Standard Webhooks: Unix seconds, within the tolerance (default 300 s) of the server's clock. Required in secured mode.",
          schema: { type: 'string', pattern: '^[0-9]+$' },
        },
        Traceparent: {
          name: 'traceparent',
          in: 'header',
          required: false,
          description: 'W3C trace context; commands caused by the events carry it on',
          schema: { type: 'string' },
        },
      },
      headers: {
        RateLimit: {
          description: 'IETF draft ratelimit-headers: `"events";r=<left>;t=<seconds until full>` (secured mode)',
          schema: { type: 'string', pattern: '^"events";r=\\d+;t=\\d+$' },
        },
        RateLimitPolicy: {
          description: '`"events";q=<burst>;w=<seconds to refill>` (secured mode)',
          schema: { type: 'string', pattern: '^"events";q=\\d+;w=\\d+$' },
        },
        RetryAfter: {
          description: 'Seconds before the request can pass',
          required: true,
          schema: { type: 'string', pattern: '^\\d+$' },
        },
        WwwAuthenticate: {
          description: '`Bearer realm="tickets"` (`Basic` on the pages)',
          required: true,
          schema: { type: 'string' },
        },
      },
      responses: {
        Unauthorized: {
          description: '`AUTH.UNAUTHORIZED`: no token or an unknown one (secured mode)',
          headers: { 'WWW-Authenticate': { $ref: '#/components/headers/WwwAuthenticate' } },
          ...json(ref('Error')),
        },
        Forbidden: { description: "`AUTH.FORBIDDEN`: the token's role is too low", ...json(ref('Error')) },
        Internal: { description: '`INTERNAL`', ...json(ref('Error')) },
      },
      securitySchemes: {
        standardWebhooks: {
          type: 'apiKey',
          in: 'header',
          name: 'webhook-signature',
          description:
            'Standard Webhooks (standardwebhooks.com): `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">` with the key the secret `whsec_<base64>` encodes; several space-separated signatures are accepted during a rotation. Sign the exact bytes you send.',
        },
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token; the roles are `read` and `admin` (admin may read)',
        },
        basicAuth: {
          type: 'http',
          scheme: 'basic',
          description: 'The pages also take the token as the password (any user name), so a browser can ask for it',
        },
      },
    },
  };
}

function ticketIdParameter(
  examples: Record<string, string> = { known: EXAMPLE_TICKET_ID, unknown: 'tk_unknown' },
): JsonSchema {
  return { name: 'id', in: 'path', required: true, schema: { type: 'string' }, examples: exampleValues(examples) };
}

function customerIdParameter(examples: Record<string, string>): JsonSchema {
  return { name: 'id', in: 'path', required: true, schema: { type: 'string' }, examples: exampleValues(examples) };
}

/** CloudEvents HTTP binding, binary mode: one header per attribute, the value percent-encoded. */
function binaryHeaders(types: readonly string[]): JsonSchema[] {
  const header = (
    attribute: string,
    description: string,
    schema: JsonSchema = { type: 'string', minLength: 1 },
    example?: string,
  ) => ({
    name: `ce-${attribute}`,
    in: 'header',
    required: false,
    description: `Binary mode: ${description}`,
    schema,
    ...(example === undefined ? {} : { examples: exampleValues({ binary: example }) }),
  });
  return [
    header('specversion', '`1.0`', { type: 'string', const: '1.0' }, secondMessage.specversion),
    header('id', 'the event id; (source, id) deduplicates', undefined, secondMessage.id),
    header('source', 'the integration that produced the event', undefined, secondMessage.source),
    header('type', 'the event type', { type: 'string', enum: [...types] }, secondMessage.type),
    header('time', 'RFC 3339 event time', undefined, secondMessage.time),
    header('subject', 'the customer id', undefined, secondMessage.subject),
  ];
}

/** `from` and `limit` of a paginated timeline (`limit` at most MAX_TIMELINE_PAGE). */
function pageParameters(defaultLimit: number): JsonSchema[] {
  return [
    {
      name: 'from',
      in: 'query',
      required: false,
      description: "The first event of the page, by index (0-based: the event's version)",
      schema: { type: 'integer', minimum: 0, default: 0 },
    },
    {
      name: 'limit',
      in: 'query',
      required: false,
      description: 'Events per page',
      schema: { type: 'integer', minimum: 1, maximum: MAX_TIMELINE_PAGE, default: defaultLimit },
    },
  ];
}

function atParameter(): JsonSchema {
  return {
    name: 'at',
    in: 'query',
    required: false,
    description: 'The timeline as things stood at this event time',
    schema: inlineSchema(EventTime, { io: 'input', target: TARGET }),
    examples: exampleValues({ asOf: '2026-03-02T09:45:00+01:00' }),
  };
}

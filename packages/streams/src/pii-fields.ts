import { ERASED, ticketStream } from '@tickets/domain/fold';
import type { EventView, Json, JsonPath, PiiOwner, PiiPolicy } from '@tickets/event-store';

// The one declaration of where personal data sits in stored events: per event type, paths into
// `data`. Everything listed is sealed with the customer's key by the PII codec; anything else is
// stored in clear — customer and ticket ids are pseudonymous and stay readable for routing.

const CUSTOMER_FIELDS = ['customer.name', 'customer.phone', 'customer.email'];

export const PII_FIELDS: Readonly<Record<string, readonly JsonPath[]>> = {
  // Ticket subjects are built from the first message or given by agents, and may contain the name.
  TicketCreated: [...CUSTOMER_FIELDS, 'subject'],
  MessageReceived: [...CUSTOMER_FIELDS, 'body'],
  MessageSent: ['body'],
  // The command outbox: recipients and bodies of auto-replies and notes, and every condition's
  // compared values (`customer.name`, `message.body`, `ticket.subject` …) kept for audits.
  RulesEvaluated: [
    'evaluations[].conditions[].expected',
    'evaluations[].conditions[].actual',
    'evaluations[].actions[].detail',
    'commands[].data.to',
    'commands[].data.body',
  ],
  // The inbound log keeps the CloudEvent as received: its whole `data` (it may carry fields the schema
  // does not know) and its extension attributes (see inboundPaths), while the envelope (`id`,
  // `source`, `type`, `time`, `subject`) stays in clear.
  InboundAccepted: ['event.data'],
};

/**
 * CloudEvents attributes that stay in clear: the envelope, and the W3C trace context (random ids).
 * Any other top-level attribute is an extension an integration may fill with anything, personal data
 * included (`"xcontact": "<e-mail> <phone>"`): sealed like `data`.
 */
const CLEAR_ATTRIBUTES: ReadonlySet<string> = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'time',
  'subject',
  'datacontenttype',
  'dataschema',
  'data',
  'traceparent',
  'tracestate',
]);

// Extension attribute names are lower-case letters and digits (CloudEvents; the ingest refuses
// others), so each is a one-segment path.
const EXTENSION_NAME = /^[a-z0-9]+$/;

function inboundPaths(data: Json | undefined): readonly JsonPath[] {
  const received = field(data, 'event');
  if (typeof received !== 'object' || received === null || Array.isArray(received))
    return PII_FIELDS['InboundAccepted']!;
  const extensions = Object.keys(received).filter((name) => !CLEAR_ATTRIBUTES.has(name) && EXTENSION_NAME.test(name));
  return extensions.length === 0
    ? PII_FIELDS['InboundAccepted']!
    : [...PII_FIELDS['InboundAccepted']!, ...extensions.map((name) => `event.${name}`)];
}

const field = (value: Json | undefined, key: string): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? value[key] : undefined;
const text = (value: Json | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

// Inbound types whose subject is checked against `data.customer.id` at validation.
const CUSTOMER_SUBJECT_TYPES = new Set(['message.received', 'ticket.created']);

function ownerOf(_stream: string, event: EventView): PiiOwner | undefined {
  const { data } = event;
  switch (event.type) {
    case 'TicketCreated':
    case 'MessageReceived': {
      const customerId = text(field(field(data, 'customer'), 'id'));
      return customerId === undefined ? undefined : { customerId };
    }
    case 'InboundAccepted': {
      const received = field(data, 'event');
      const subject = text(field(received, 'subject'));
      if (subject !== undefined && CUSTOMER_SUBJECT_TYPES.has(text(field(received, 'type')) ?? ''))
        return { customerId: subject };
      // Agent events name a ticket: the data belongs to that ticket's customer, whatever the subject says.
      const ticketId = text(field(data, 'ticketId'));
      return ticketId === undefined ? undefined : { ticketId };
    }
    default: {
      const ticketId = text(field(data, 'ticketId'));
      return ticketId === undefined ? undefined : { ticketId };
    }
  }
}

export const domainPiiPolicy: PiiPolicy = {
  pathsOf: (type, data) => (type === 'InboundAccepted' ? inboundPaths(data) : PII_FIELDS[type]),
  ownerOf,
  ticketOwnerOf(event) {
    if (event.type !== 'TicketCreated') return undefined;
    const ticketId = text(field(event.data, 'ticketId'));
    const customerId = text(field(field(event.data, 'customer'), 'id'));
    return ticketId === undefined || customerId === undefined ? undefined : { ticketId, customerId };
  },
  ticketStream,
  erasedCustomerOf: (event) => (event.type === 'CustomerErased' ? text(field(event.data, 'customerId')) : undefined),
  erased: ERASED,
};

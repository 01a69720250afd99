import { toUtc } from '../shared/time.js';
import type { Channel } from './channel.js';
import type { InboundEvent } from './inbound-event.js';

// What-if re-decides millions of stored events; re-running the zod schema on each would cost more
// than deciding it. An event in the inbound log passed the schema when it was accepted, so only the
// schema's transforms are re-applied here — UTC time, trimmed strings, known keys only, in the
// schema's key order — which gives the exact object the decider saw. A unit test holds this to
// `InboundEvent.parse` over generated events.

type Raw = Record<string, unknown>;

const text = (value: unknown): string => value as string;
const trimmed = (value: unknown): string => (value as string).trim();
const utc = (value: unknown): string => toUtc(value as string);

/** Copies `key` when present, through `map`: absent optional keys stay absent, as after zod. */
function optional<T>(out: Raw, raw: Raw, key: string, map: (value: unknown) => T): void {
  if (raw[key] !== undefined) out[key] = map(raw[key]);
}

function customer(raw: Raw): Raw {
  const out: Raw = { id: trimmed(raw['id']) };
  optional(out, raw, 'name', trimmed);
  optional(out, raw, 'phone', trimmed);
  optional(out, raw, 'email', text);
  return out;
}

function actor(raw: Raw): Raw {
  const out: Raw = { type: raw['type'] };
  optional(out, raw, 'id', trimmed);
  return out;
}

const nullableTrimmed = (value: unknown): string | null => (value === null ? null : trimmed(value));
const tags = (value: unknown): string[] => (value as unknown[]).map(trimmed);

function data(type: string, raw: Raw): Raw {
  const out: Raw = {};
  switch (type) {
    case 'message.received': {
      out['channel'] = raw['channel'] as Channel;
      optional(out, raw, 'integration', trimmed);
      out['customer'] = customer(raw['customer'] as Raw);
      const message = raw['message'] as Raw;
      out['message'] = { id: trimmed(message['id']), body: text(message['body']) };
      optional(out, raw, 'ticketId', trimmed);
      return out;
    }
    case 'message.sent': {
      out['ticketId'] = trimmed(raw['ticketId']);
      const message = raw['message'] as Raw;
      out['message'] = { id: trimmed(message['id']), body: text(message['body']) };
      out['author'] = actor(raw['author'] as Raw);
      return out;
    }
    case 'ticket.created':
      out['ticketId'] = trimmed(raw['ticketId']);
      out['channel'] = raw['channel'] as Channel;
      optional(out, raw, 'integration', trimmed);
      out['customer'] = customer(raw['customer'] as Raw);
      optional(out, raw, 'subject', trimmed);
      return out;
    case 'ticket.closed':
      out['ticketId'] = trimmed(raw['ticketId']);
      optional(out, raw, 'closedBy', (value) => actor(value as Raw));
      return out;
    case 'ticket.tagged':
      out['ticketId'] = trimmed(raw['ticketId']);
      optional(out, raw, 'add', tags);
      optional(out, raw, 'remove', tags);
      return out;
    case 'ticket.assigned':
      out['ticketId'] = trimmed(raw['ticketId']);
      optional(out, raw, 'team', nullableTrimmed);
      optional(out, raw, 'agent', nullableTrimmed);
      return out;
    default:
      throw new Error(`not an accepted inbound event type: ${JSON.stringify(type)}`);
  }
}

/** An inbound event from the inbound log, as the schema normalised it when it was accepted. */
export function restoreInbound(received: unknown): InboundEvent {
  const raw = received as Raw;
  const type = text(raw['type']);
  const out: Raw = {
    specversion: raw['specversion'],
    id: trimmed(raw['id']),
    source: trimmed(raw['source']),
    time: utc(raw['time']),
    subject: trimmed(raw['subject']),
  };
  optional(out, raw, 'datacontenttype', text);
  optional(out, raw, 'dataschema', text);
  out['type'] = type;
  out['data'] = data(type, raw['data'] as Raw);
  return out as unknown as InboundEvent;
}

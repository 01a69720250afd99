import { RulesFile, type InboundEventInput } from '@tickets/domain';

// Builders of inbound CloudEvents for tests: every field has a sensible default, so a test names
// only what it is about.

export const SMS_SOURCE = 'https://postscript.example/sms';
export const AGENT_SOURCE = 'https://helpdesk.example/agents';

export interface CustomerFixture {
  id: string;
  name?: string;
  phone?: string;
  email?: string;
}

export const MARIE: CustomerFixture = { id: 'cus_marie', name: 'Marie Dupont', phone: '+33612345678' };

let counter = 0;
/** A fresh id per call, for tests that need many distinct events. */
export const nextId = (prefix = 'evt'): string => `${prefix}-${++counter}`;

export function messageReceived(options: {
  id?: string;
  time: string;
  body: string;
  customer?: CustomerFixture;
  channel?: 'sms' | 'email' | 'chat' | 'whatsapp';
  integration?: string | null;
  ticketId?: string;
  source?: string;
}): InboundEventInput {
  const customer = options.customer ?? MARIE;
  const id = options.id ?? nextId('msg');
  return {
    specversion: '1.0',
    id,
    source: options.source ?? SMS_SOURCE,
    type: 'message.received',
    time: options.time,
    subject: customer.id,
    data: {
      channel: options.channel ?? 'sms',
      ...(options.integration === null ? {} : { integration: options.integration ?? 'postscript' }),
      customer,
      message: { id: `m-${id}`, body: options.body },
      ...(options.ticketId === undefined ? {} : { ticketId: options.ticketId }),
    },
  };
}

export function agentEvent(
  type: 'ticket.closed' | 'ticket.tagged' | 'ticket.assigned' | 'message.sent',
  options: { id?: string; time: string; ticketId: string; customerId?: string; data?: Record<string, unknown> },
): InboundEventInput {
  const defaults: Record<typeof type, Record<string, unknown>> = {
    'ticket.closed': { closedBy: { type: 'agent', id: 'agent-lea' } },
    'ticket.tagged': { add: ['vip'] },
    'ticket.assigned': { team: 'Billing' },
    'message.sent': {
      message: { id: `reply-${options.id ?? counter}`, body: 'Bonjour !' },
      author: { type: 'agent', id: 'agent-lea' },
    },
  };
  return {
    specversion: '1.0',
    id: options.id ?? nextId(type),
    source: AGENT_SOURCE,
    type,
    time: options.time,
    subject: options.customerId ?? MARIE.id,
    data: { ticketId: options.ticketId, ...defaults[type], ...options.data },
  } as InboundEventInput;
}

export function ticketCreated(options: {
  id?: string;
  time: string;
  ticketId: string;
  customer?: CustomerFixture;
  channel?: 'sms' | 'email' | 'chat' | 'whatsapp';
  integration?: string;
  subject?: string;
}): InboundEventInput {
  const customer = options.customer ?? MARIE;
  return {
    specversion: '1.0',
    id: options.id ?? nextId('created'),
    source: AGENT_SOURCE,
    type: 'ticket.created',
    time: options.time,
    subject: customer.id,
    data: {
      ticketId: options.ticketId,
      channel: options.channel ?? 'email',
      ...(options.integration === undefined ? {} : { integration: options.integration }),
      customer,
      ...(options.subject === undefined ? {} : { subject: options.subject }),
    },
  };
}

/** A rules file without rules: the ingest then writes the routing only (tests about routing and storage). */
export const NO_RULES = RulesFile.parse({ rules: [] });

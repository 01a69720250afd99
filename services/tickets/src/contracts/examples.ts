// The documented examples: the seed story's first events (examples/seed-sms-story.ndjson). The
// contract test sends them to a real `tickets serve`, in this order, and checks every answer against
// the documents; a unit test checks each against its schema.

export const EXAMPLE_TICKET_ID = 'tk_sliajvihenz6piuibdygjmqqg4';
export const EXAMPLE_CUSTOMER_ID = 'cus_marie';
export const SMS_SOURCE = 'https://postscript.example/sms';
export const AGENT_SOURCE = 'https://helpdesk.example/agents';

const marie = { id: EXAMPLE_CUSTOMER_ID, name: 'Marie Dupont', phone: '+33612345678' };

export const firstMessage = {
  specversion: '1.0',
  id: 'sms-1',
  source: SMS_SOURCE,
  type: 'message.received',
  time: '2026-03-02T09:00:00+01:00',
  subject: EXAMPLE_CUSTOMER_ID,
  data: {
    channel: 'sms',
    integration: 'postscript',
    customer: marie,
    message: { id: 'msg-1', body: "Bonjour, ma commande #1234 n'est pas arrivée" },
  },
};

export const agentBatch = [
  {
    specversion: '1.0',
    id: 'agent-1',
    source: AGENT_SOURCE,
    type: 'message.sent',
    time: '2026-03-02T09:30:00+01:00',
    subject: EXAMPLE_CUSTOMER_ID,
    data: {
      ticketId: EXAMPLE_TICKET_ID,
      message: { id: 'reply-1', body: 'Bonjour Marie, elle est partie ce matin, vous la recevrez demain.' },
      author: { type: 'agent', id: 'agent-lea' },
    },
  },
  {
    specversion: '1.0',
    id: 'agent-2',
    source: AGENT_SOURCE,
    type: 'ticket.closed',
    time: '2026-03-02T10:00:00+01:00',
    subject: EXAMPLE_CUSTOMER_ID,
    data: { ticketId: EXAMPLE_TICKET_ID, closedBy: { type: 'agent', id: 'agent-lea' } },
  },
];

/** `customer.id` must equal the subject. */
export const invalidMessage = {
  ...firstMessage,
  id: 'sms-bad',
  data: { ...firstMessage.data, customer: { ...marie, id: 'cus_other' } },
};

/** Marie writes again the next morning: the documents send this one in binary mode (attributes in headers, the data as the body). */
export const secondMessage = {
  ...firstMessage,
  id: 'sms-2',
  time: '2026-03-03T08:00:00+01:00',
  data: { ...firstMessage.data, message: { id: 'msg-2', body: 'Toujours rien reçu, pouvez-vous vérifier ?' } },
};

/**
 * The ticket after `firstMessage`, `agentBatch` (a reply, a close) and `secondMessage` (in binary
 * mode, within the 24-hour window): reopened, and the reopen rule's tag and team applied.
 */
export const exampleTicketState = {
  ticketId: EXAMPLE_TICKET_ID,
  status: 'open',
  channel: 'sms',
  integration: 'postscript',
  customer: marie,
  subject: 'SMS from Marie Dupont',
  tags: ['reopened-sms'],
  team: 'SMS Support',
  agent: null,
  createdAt: '2026-03-02T08:00:00.000Z',
  closedAt: null,
  reopenDeadline: null,
  reopenWindow: null,
  reopenCount: 1,
  followUpOf: null,
  messageCount: 3,
  lastMessageAt: '2026-03-03T07:00:00.000Z',
  ruleFirings: { 'sms-reopened': { count: 1, lastReopenCount: 1 } },
  timers: [],
  version: 11,
};

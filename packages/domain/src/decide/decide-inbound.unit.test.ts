import { describe, expect, it } from 'vitest';
import { ticketIdFor } from '../shared/ids.js';
import { DEFAULT_REOPEN_POLICY } from '../ticket/reopen-policy.js';
import { initialCustomerState } from '../customer/customer-state.js';
import { InboundEvent, type InboundEventInput } from '../inbound/inbound-event.js';
import { close, eventTypes, given, MARIE, message, SOURCE } from './decider.test-support.js';
import { decideInbound, defaultSubject, ticketsToLoad } from './decide-inbound.js';

// Times: the first message at T0, the close at C. Postscript's window is 24 h (shipped policy).
const T0 = '2026-03-02T08:00:00.000Z';
const C = '2026-03-02T09:00:00.000Z';
const first = message(T0, 'Bonjour, ma commande #1234 ?', { id: 'first' });
const T1 = ticketIdFor(SOURCE, 'first');

describe('decider: routing a customer message', () => {
  it('first contact → a new ticket, id derived from the inbound source + id, subject naming the customer', () => {
    const decision = given([]).when(first);
    expect(decision).toMatchObject({ outcome: 'accepted', ticketId: T1, routing: { kind: 'new_ticket' } });
    expect(eventTypes(decision)).toEqual(['TicketCreated', 'MessageReceived', 'CustomerRouted']);
    const { world } = given([first]);
    expect(world.tickets.get(T1)).toMatchObject({
      status: 'open',
      subject: 'SMS from Marie Dupont',
      messageCount: 1,
      channel: 'sms',
      integration: 'postscript',
    });
  });

  it('reply to an open ticket → added to it, nothing else', () => {
    const decision = given([first]).when(message('2026-03-02T08:05:00Z', 'Vous êtes là ?'));
    expect(decision).toMatchObject({ outcome: 'accepted', ticketId: T1, routing: { kind: 'open_ticket' } });
    expect(eventTypes(decision)).toEqual(['MessageReceived']);
  });

  it('reply inside the window → the closed ticket reopens', () => {
    const decision = given([first, close(C, T1)]).when(message('2026-03-03T08:59:59.999Z', 'Toujours rien'));
    expect(decision).toMatchObject({
      outcome: 'accepted',
      ticketId: T1,
      routing: {
        kind: 'reopen',
        previousTicketId: T1,
        closedAt: C,
        reopenDeadline: '2026-03-03T09:00:00.000Z',
        window: { duration: '24h', source: 'integration', key: 'postscript' },
      },
    });
    expect(eventTypes(decision)).toEqual(['TicketReopened', 'MessageReceived']);
  });

  it('reply exactly at the deadline → a new ticket linked to the old one', () => {
    const reply = message('2026-03-03T09:00:00.000Z', 'Toujours rien', { id: 'late' });
    const decision = given([first, close(C, T1)]).when(reply);
    expect(decision).toMatchObject({
      outcome: 'accepted',
      ticketId: ticketIdFor(SOURCE, 'late'),
      routing: { kind: 'follow_up', previousTicketId: T1 },
    });
    expect(eventTypes(decision)).toEqual(['TicketCreated', 'MessageReceived', 'CustomerRouted']);
  });

  it('reply after the window → a follow-up ticket with followUpOf, and later messages go to it', () => {
    const reply = message('2026-03-05T10:00:00Z', 'Autre question', { id: 'later' });
    const { world, when } = given([first, close(C, T1), reply]);
    const T2 = ticketIdFor(SOURCE, 'later');
    expect(world.tickets.get(T2)).toMatchObject({ followUpOf: T1, status: 'open' });
    expect(when(message('2026-03-05T10:05:00Z', 'Et aussi…'))).toMatchObject({
      ticketId: T2,
      routing: { kind: 'open_ticket' },
    });
  });

  it('late delivery: event time before the close → reopens', () => {
    const decision = given([first, close(C, T1)]).when(message('2026-03-02T08:30:00Z', 'envoyé avant la fermeture'));
    expect(decision).toMatchObject({ routing: { kind: 'reopen' } });
  });

  describe('the window is looked up by integration, then channel, then default', () => {
    const at = (hoursAfterClose: number) => new Date(Date.parse(C) + hoursAfterClose * 3_600_000).toISOString();
    const cases = [
      {
        what: 'postscript integration: 24h',
        channel: 'sms' as const,
        integration: 'postscript',
        inside: 23.9,
        outside: 24,
      },
      { what: 'chat channel: 3d', channel: 'chat' as const, integration: null, inside: 71.9, outside: 72 },
      {
        what: 'email, no integration: default 7d',
        channel: 'email' as const,
        integration: null,
        inside: 167.9,
        outside: 168,
      },
      {
        what: 'sms through another integration: default 7d',
        channel: 'sms' as const,
        integration: 'twilio',
        inside: 167.9,
        outside: 168,
      },
    ];
    it.each(cases)('$what', ({ channel, integration, inside, outside }) => {
      const open = message(T0, 'Bonjour', { id: `open-${channel}-${integration}`, channel, integration });
      const ticket = ticketIdFor(SOURCE, `open-${channel}-${integration}`);
      const history = [open, close(C, ticket)];
      expect(given(history).when(message(at(inside), 'encore', { channel, integration }))).toMatchObject({
        routing: { kind: 'reopen' },
      });
      expect(given(history).when(message(at(outside), 'encore', { channel, integration }))).toMatchObject({
        routing: { kind: 'follow_up' },
      });
    });

    it('a --policy file replaces the windows', () => {
      const policy = { default: '1h', integrations: { postscript: '48h' } };
      const history = [first, close(C, T1)];
      expect(given(history, policy).when(message(at(47), 'encore'))).toMatchObject({ routing: { kind: 'reopen' } });
      expect(given(history, DEFAULT_REOPEN_POLICY).when(message(at(47), 'encore'))).toMatchObject({
        routing: { kind: 'follow_up' },
      });
    });
  });

  it('the window is fixed when the ticket closes: recorded in the close event', () => {
    const { world } = given([first, close(C, T1)]);
    expect(world.tickets.get(T1)).toMatchObject({
      status: 'closed',
      closedAt: C,
      reopenDeadline: '2026-03-03T09:00:00.000Z',
      reopenWindow: { duration: '24h', source: 'integration', key: 'postscript' },
    });
  });

  it('explicit ticketId of a closed e-mail ticket after the window → a new ticket linked to it', () => {
    const mail = message(T0, 'Question', { id: 'mail-1', channel: 'email', integration: null });
    const T = ticketIdFor(SOURCE, 'mail-1');
    const reply = message('2026-03-12T09:00:00Z', 'Re: Question', {
      id: 'mail-2',
      channel: 'email',
      integration: null,
      ticketId: T,
    });
    expect(given([mail, close(C, T)]).when(reply)).toMatchObject({
      ticketId: ticketIdFor(SOURCE, 'mail-2'),
      routing: { kind: 'follow_up', requestedTicketId: T, previousTicketId: T },
    });
  });

  it('explicit ticketId the store does not know → routed by channel + customer, the unknown id recorded', () => {
    const decision = given([first]).when(message('2026-03-02T08:10:00Z', 'hello', { ticketId: 'tk_nope' }));
    expect(decision).toMatchObject({
      ticketId: T1,
      routing: { kind: 'open_ticket', requestedTicketId: 'tk_nope', requestedTicketUnknown: true },
    });
  });

  it("another customer's ticketId is never used", () => {
    const other = { ...MARIE, id: 'cus_other', name: 'Paul' };
    const decision = given([first]).when(message('2026-03-02T08:10:00Z', 'hello', { ticketId: T1, customer: other }));
    expect(decision).toMatchObject({ routing: { kind: 'new_ticket', requestedTicketUnknown: true } });
  });

  it('the same inbound event (source + id) twice → the second is a duplicate and changes nothing', () => {
    const { world, when } = given([first]);
    const before = structuredClone(world.tickets.get(T1));
    expect(when(first)).toEqual({ outcome: 'duplicate' });
    expect(world.tickets.get(T1)).toEqual(before);
  });

  it('the message intent is recorded with the message; an SMS STOP opts the customer out, START opts back in', () => {
    const { world, when } = given([first]);
    const stop = when(message('2026-03-02T08:10:00Z', 'STOP'));
    expect(eventTypes(stop)).toEqual(['MessageReceived', 'CustomerOptedOut']);
    expect(world.customers.get(MARIE.id)?.optedOutAt).toBe('2026-03-02T08:10:00.000Z');
    expect(eventTypes(when(message('2026-03-02T08:11:00Z', 'STOP')))).toEqual(['MessageReceived']);
    expect(eventTypes(when(message('2026-03-02T08:12:00Z', 'START')))).toEqual(['MessageReceived', 'CustomerOptedIn']);
    const mail = when(message('2026-03-02T08:13:00Z', 'STOP', { channel: 'email', integration: null }));
    expect(eventTypes(mail)).toEqual(['TicketCreated', 'MessageReceived', 'CustomerRouted']);
  });
});

describe('decider: agent actions', () => {
  it('closing a closed ticket changes nothing', () => {
    const decision = given([first, close(C, T1)]).when(close('2026-03-02T10:00:00Z', T1));
    expect(decision).toMatchObject({ outcome: 'accepted', writes: [] });
  });

  it('an unknown ticket is rejected with a reason naming the field', () => {
    expect(given([]).when(close(C, 'tk_unknown'))).toEqual({
      outcome: 'rejected',
      error: { code: 'TICKET.NOT_FOUND', message: 'unknown ticket tk_unknown', field: 'data.ticketId' },
    });
  });

  it("another customer's ticket is rejected", () => {
    expect(given([first]).when(close(C, T1, 'cus_other'))).toMatchObject({
      outcome: 'rejected',
      error: { code: 'TICKET.WRONG_CUSTOMER' },
    });
  });

  describe('a tag both removed and added in one ticket.tagged ends present, whatever it was before (removals, then additions)', () => {
    const tagged = (id: string, data: { add?: string[]; remove?: string[] }) => ({
      specversion: '1.0' as const,
      id,
      source: 'https://helpdesk.example/agents',
      type: 'ticket.tagged' as const,
      time: C,
      subject: MARIE.id,
      data: { ticketId: T1, ...data },
    });

    it('absent before: it is added', () => {
      expect(given([first]).when(tagged('t1', { add: ['vip'], remove: ['vip'] }))).toMatchObject({
        writes: [{ events: [{ type: 'TagsChanged', data: { added: ['vip'], removed: [] } }] }],
      });
    });

    it('present before: nothing changes (it used to be removed: the outcome depended on the state)', () => {
      const decision = given([first, tagged('t1', { add: ['vip'] })]).when(
        tagged('t2', { add: ['vip'], remove: ['vip', 'billing'] }),
      );
      expect(decision).toMatchObject({ outcome: 'accepted', writes: [] });
    });
  });
});

/** An agent's inbound event at C on Marie's tickets; the data is checked by the schema in `given`. */
const agentEvent = (
  type: 'ticket.created' | 'ticket.tagged' | 'ticket.assigned',
  id: string,
  data: Record<string, unknown>,
) =>
  ({
    specversion: '1.0',
    id,
    source: 'https://helpdesk.example/agents',
    type,
    time: C,
    subject: MARIE.id,
    data,
  }) as InboundEventInput;

describe('decider: what is recorded about a routing', () => {
  it('a first contact without a ticket id records why, and no requested ticket', () => {
    const decision = given([]).when(first);
    expect(decision).toMatchObject({ outcome: 'accepted' });
    expect(decision.outcome === 'accepted' && decision.routing).toStrictEqual({
      kind: 'new_ticket',
      reason: 'first contact on this channel',
    });
  });

  it('each routing says why in words: open, before the deadline, at or after it', () => {
    const { when } = given([first]);
    expect(when(message('2026-03-02T08:05:00.000Z', 'encore'))).toMatchObject({
      routing: { reason: 'the ticket is open' },
    });
    const history = [first, close(C, T1)];
    expect(given(history).when(message('2026-03-02T10:00:00.000Z', 'encore'))).toMatchObject({
      routing: {
        reason: 'message time 2026-03-02T10:00:00.000Z is before the reopen deadline 2026-03-03T09:00:00.000Z',
      },
    });
    expect(given(history).when(message('2026-03-04T10:00:00.000Z', 'encore'))).toMatchObject({
      routing: {
        reason: 'message time 2026-03-04T10:00:00.000Z is at or after the reopen deadline 2026-03-03T09:00:00.000Z',
      },
    });
  });

  it("a follow-up's new ticket is opened by the customer, on the message's channel, and linked to the closed one", () => {
    const decision = given([first, close(C, T1)]).when(message('2026-03-04T10:00:00.000Z', 'encore', { id: 'f' }));
    expect(decision).toMatchObject({
      writes: [
        {
          stream: `ticket-${ticketIdFor(SOURCE, 'f')}`,
          events: [
            {
              type: 'TicketCreated',
              data: {
                channel: 'sms',
                integration: 'postscript',
                subject: 'SMS from Marie Dupont',
                origin: 'customer',
                followUpOf: T1,
              },
            },
            { type: 'MessageReceived' },
          ],
        },
        {
          stream: `customer-${MARIE.id}`,
          events: [{ type: 'CustomerRouted', data: { channel: 'sms', ticketId: ticketIdFor(SOURCE, 'f') } }],
        },
      ],
    });
  });

  it('the reopen event carries the close facts it reopens from', () => {
    const decision = given([first, close(C, T1)]).when(message('2026-03-02T10:00:00.000Z', 'encore'));
    expect(decision).toMatchObject({
      writes: [
        {
          events: [
            {
              type: 'TicketReopened',
              data: {
                ticketId: T1,
                at: '2026-03-02T10:00:00.000Z',
                closedAt: C,
                reopenDeadline: '2026-03-03T09:00:00.000Z',
                window: { duration: '24h' },
              },
            },
            { type: 'MessageReceived' },
          ],
        },
      ],
    });
  });

  it('START from a customer who never opted out changes no consent', () => {
    expect(eventTypes(given([first]).when(message('2026-03-02T08:10:00Z', 'START')))).toEqual(['MessageReceived']);
  });
});

describe('decider: the subject of a new ticket names the customer and the channel', () => {
  it.each([
    ['sms', 'SMS from Marie'],
    ['email', 'Email from Marie'],
    ['chat', 'Chat from Marie'],
    ['whatsapp', 'WhatsApp from Marie'],
  ] as const)('%s → "%s"', (channel, subject) => {
    expect(defaultSubject(channel, { id: 'cus_marie', name: 'Marie' })).toBe(subject);
  });

  it('a customer without a name is named by id', () => {
    expect(defaultSubject('sms', { id: 'cus_marie' })).toBe('SMS from cus_marie');
  });
});

describe('decider: the tickets to load for an event', () => {
  it("a customer message needs the ticket it names and the customer's current ticket on its channel, once each", () => {
    const customer = { ...initialCustomerState(MARIE.id), routes: { sms: 'tk_routed' } };
    expect(ticketsToLoad(InboundEvent.parse(message(T0, 'x', { ticketId: 'tk_named' })), customer)).toEqual([
      'tk_named',
      'tk_routed',
    ]);
    expect(ticketsToLoad(InboundEvent.parse(message(T0, 'x', { ticketId: 'tk_routed' })), customer)).toEqual([
      'tk_routed',
    ]);
    expect(ticketsToLoad(InboundEvent.parse(message(T0, 'x', { channel: 'email' })), customer)).toEqual([]);
  });

  it('an agent action needs only the ticket it names, even one that opens a ticket on a routed channel', () => {
    const customer = { ...initialCustomerState(MARIE.id), routes: { sms: 'tk_routed' } };
    const created = agentEvent('ticket.created', 'c1', { ticketId: 'tk_new', channel: 'sms', customer: MARIE });
    expect(ticketsToLoad(InboundEvent.parse(created), customer)).toEqual(['tk_new']);
  });
});

describe('decider: an agent opens a ticket', () => {
  const created = (id: string, data: Record<string, unknown> = {}) =>
    agentEvent('ticket.created', id, { ticketId: 'tk_agent', channel: 'email', customer: MARIE, ...data });

  it('with its own subject, origin agent; it becomes where the customer is routed on that channel', () => {
    expect(given([]).when(created('c1', { subject: 'Remboursement' }))).toStrictEqual({
      outcome: 'accepted',
      ticketId: 'tk_agent',
      routing: null,
      writes: [
        {
          kind: 'ticket',
          stream: 'ticket-tk_agent',
          events: [
            {
              type: 'TicketCreated',
              data: {
                ticketId: 'tk_agent',
                at: C,
                channel: 'email',
                integration: null,
                customer: MARIE,
                subject: 'Remboursement',
                origin: 'agent',
                followUpOf: null,
              },
            },
          ],
        },
        {
          kind: 'customer',
          stream: `customer-${MARIE.id}`,
          events: [
            { type: 'CustomerRouted', data: { customerId: MARIE.id, at: C, channel: 'email', ticketId: 'tk_agent' } },
          ],
        },
      ],
    });
  });

  it('without a subject, the default one', () => {
    expect(given([]).when(created('c1'))).toMatchObject({
      writes: [{ events: [{ data: { subject: 'Email from Marie Dupont' } }] }, { stream: `customer-${MARIE.id}` }],
    });
  });

  it('an id already in use is rejected with a reason naming the field', () => {
    expect(given([created('c1')]).when(created('c2'))).toStrictEqual({
      outcome: 'rejected',
      error: { code: 'TICKET.ALREADY_EXISTS', message: 'ticket tk_agent already exists', field: 'data.ticketId' },
    });
  });
});

describe('decider: agent actions record what changed, and only that', () => {
  it("another customer's ticket is rejected, naming the subject as the field at fault", () => {
    expect(given([first]).when(close(C, T1, 'cus_other'))).toStrictEqual({
      outcome: 'rejected',
      error: {
        code: 'TICKET.WRONG_CUSTOMER',
        message: `ticket ${T1} belongs to another customer than the subject`,
        field: 'subject',
      },
    });
  });

  it('a close without an author is recorded as by an agent; a named author is kept', () => {
    const anonymous = { ...close(C, T1), data: { ticketId: T1 } } as InboundEventInput;
    expect(given([first]).when(anonymous)).toMatchObject({
      writes: [{ events: [{ type: 'TicketClosed', data: { closedBy: { type: 'agent' } } }] }],
    });
    expect(given([first]).when(close(C, T1))).toMatchObject({
      writes: [
        {
          events: [
            {
              type: 'TicketClosed',
              data: { closedBy: { type: 'agent', id: 'agent-lea' }, reopenDeadline: '2026-03-03T09:00:00.000Z' },
            },
          ],
        },
      ],
    });
  });

  describe('tags', () => {
    const tagged = (id: string, data: { add?: string[]; remove?: string[] }) =>
      agentEvent('ticket.tagged', id, { ticketId: T1, ...data });
    const withVip = [first, tagged('t0', { add: ['vip', 'billing'] })];

    it('removing a present tag and adding a new one: both recorded, by an agent', () => {
      expect(given(withVip).when(tagged('t1', { add: ['urgent'], remove: ['vip'] }))).toMatchObject({
        writes: [
          {
            events: [
              {
                type: 'TagsChanged',
                data: { ticketId: T1, at: C, added: ['urgent'], removed: ['vip'], by: { type: 'agent' } },
              },
            ],
          },
        ],
      });
    });

    it('a removal alone adds nothing; an addition alone removes nothing', () => {
      expect(given(withVip).when(tagged('t1', { remove: ['vip', 'vip'] }))).toMatchObject({
        writes: [{ events: [{ data: { added: [], removed: ['vip'] } }] }],
      });
      expect(given(withVip).when(tagged('t1', { add: ['urgent', 'urgent'] }))).toMatchObject({
        writes: [{ events: [{ data: { added: ['urgent'], removed: [] } }] }],
      });
    });

    it('adding present tags or removing absent ones changes nothing: no event', () => {
      expect(given(withVip).when(tagged('t1', { add: ['vip'], remove: ['absent'] }))).toMatchObject({
        outcome: 'accepted',
        writes: [],
      });
    });
  });

  describe('assignment', () => {
    const assigned = (id: string, data: { team?: string | null; agent?: string | null }) =>
      agentEvent('ticket.assigned', id, { ticketId: T1, ...data });
    const assignedTo = [first, assigned('a0', { team: 'Billing', agent: 'agent-lea' })];
    const assignment = (outcome: ReturnType<ReturnType<typeof given>['when']>) =>
      outcome.outcome === 'accepted' ? outcome.writes.flatMap((w) => w.events.map((e) => e.data)) : [];

    it('a new team alone: recorded without an agent, by an agent', () => {
      expect(assignment(given(assignedTo).when(assigned('a1', { team: 'Support' })))).toStrictEqual([
        { ticketId: T1, at: C, team: 'Support', by: { type: 'agent' } },
      ]);
    });

    it('a new agent alone: recorded without a team', () => {
      expect(assignment(given(assignedTo).when(assigned('a1', { agent: 'agent-max' })))).toStrictEqual([
        { ticketId: T1, at: C, agent: 'agent-max', by: { type: 'agent' } },
      ]);
    });

    it('unassigning (null) is a change', () => {
      expect(assignment(given(assignedTo).when(assigned('a1', { team: null })))).toStrictEqual([
        { ticketId: T1, at: C, team: null, by: { type: 'agent' } },
      ]);
    });

    it('the same team, the same agent, or both: no event', () => {
      expect(given(assignedTo).when(assigned('a1', { team: 'Billing' }))).toMatchObject({
        outcome: 'accepted',
        writes: [],
      });
      expect(given(assignedTo).when(assigned('a1', { agent: 'agent-lea' }))).toMatchObject({
        outcome: 'accepted',
        writes: [],
      });
      expect(given(assignedTo).when(assigned('a1', { team: 'Billing', agent: 'agent-lea' }))).toMatchObject({
        outcome: 'accepted',
        writes: [],
      });
    });

    it('one of the two new is enough: the event carries both as given', () => {
      expect(assignment(given(assignedTo).when(assigned('a1', { team: 'Billing', agent: 'agent-max' })))).toStrictEqual(
        [{ ticketId: T1, at: C, team: 'Billing', agent: 'agent-max', by: { type: 'agent' } }],
      );
    });
  });
});

describe('decider: a message naming its ticket', () => {
  // Marie's SMS ticket T1, then an agent opens another SMS ticket for her: her SMS now route there.
  const agentTicket = agentEvent('ticket.created', 'c1', { ticketId: 'tk_agent', channel: 'sms', customer: MARIE });

  it('goes to the ticket it names, not to the one the channel routes to, and records the request', () => {
    const decision = given([first, agentTicket]).when(message('2026-03-02T09:30:00.000Z', 'suite', { ticketId: T1 }));
    expect(decision).toMatchObject({ outcome: 'accepted', ticketId: T1 });
    expect(decision.outcome === 'accepted' && decision.routing).toStrictEqual({
      kind: 'open_ticket',
      reason: 'the ticket is open',
      requestedTicketId: T1,
    });
  });

  it('without a ticket id, the channel decides', () => {
    expect(given([first, agentTicket]).when(message('2026-03-02T09:30:00.000Z', 'suite'))).toMatchObject({
      ticketId: 'tk_agent',
    });
  });
});

describe('decider: an agent reply', () => {
  it('is recorded on its ticket with its author', () => {
    const sent = {
      ...agentEvent('ticket.tagged', 's1', {}),
      type: 'message.sent',
      data: {
        ticketId: T1,
        message: { id: 'out-1', body: 'Votre colis arrive demain' },
        author: { type: 'agent', id: 'agent-lea' },
      },
    } as InboundEventInput;
    expect(given([first]).when(sent)).toStrictEqual({
      outcome: 'accepted',
      ticketId: T1,
      routing: null,
      writes: [
        {
          kind: 'ticket',
          stream: `ticket-${T1}`,
          events: [
            {
              type: 'MessageSent',
              data: {
                ticketId: T1,
                at: C,
                messageId: 'out-1',
                body: 'Votre colis arrive demain',
                author: { type: 'agent', id: 'agent-lea' },
              },
            },
          ],
        },
      ],
    });
  });
});

describe('decider: an event type it does not know', () => {
  it('is a programming error (the inbound schema lets none through), named in the message', () => {
    const bogus = { ...InboundEvent.parse(first), type: 'ticket.teleported' } as unknown as Parameters<
      typeof decideInbound
    >[0];
    const ctx = { customer: initialCustomerState(MARIE.id), tickets: new Map(), policy: DEFAULT_REOPEN_POLICY };
    expect(() => decideInbound(bogus, ctx)).toThrow(/unknown inbound event .*ticket\.teleported/);
  });
});

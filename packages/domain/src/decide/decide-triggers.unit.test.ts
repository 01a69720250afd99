import { describe, expect, it } from 'vitest';
import { emptyCustomerHistory, type CustomerHistory } from '../customer/customer-history.js';
import { InboundEvent, type InboundEventInput } from '../inbound/inbound-event.js';
import { RulesFile, type RuleInput } from '../rules/rules-file.js';
import { commandId, domainEventId, inboundKey } from '../shared/ids.js';
import { foldTicket } from '../ticket/evolve.js';
import { DEFAULT_REOPEN_POLICY } from '../ticket/reopen-policy.js';
import type { TicketState } from '../ticket/ticket-state.js';
import { close, MARIE, message } from './decider.test-support.js';
import { decide, type Decision } from './decide.js';

// Marie's first SMS at T0; an agent closes the ticket at C (Postscript: a 24 h window).
const T0 = '2026-03-02T08:00:00.000Z';
const C = '2026-03-02T09:00:00.000Z';

const rulesOf = (rules: Partial<RuleInput>[]): RulesFile =>
  RulesFile.parse({
    rules: rules.map((r, i) => ({ id: `r${i}`, name: `r${i}`, when: 'message.received', then: [], ...r })),
  });

const NO_RULES = rulesOf([]);

/** Decides the events in order, keeping tickets and the customer as the ingest would. */
function decideAll(inputs: readonly InboundEventInput[], rules: RulesFile = NO_RULES) {
  const tickets = new Map<string, TicketState>();
  let customer: CustomerHistory = emptyCustomerHistory(MARIE.id);
  const decisions: { key: string; decision: Decision }[] = [];
  for (const input of inputs) {
    const event = InboundEvent.parse(input);
    const key = inboundKey(event.source, event.id);
    const decision = decide(key, event, { customer, tickets, rules, policy: DEFAULT_REOPEN_POLICY });
    if (decision.outcome === 'accepted') {
      if (decision.ticket !== null) tickets.set(decision.ticket.ticketId, decision.ticket.state);
      customer = decision.customer.history;
    }
    decisions.push({ key, decision });
  }
  return { tickets, customer, decisions, last: decisions.at(-1) as { key: string; decision: Decision } };
}

const accepted = (decision: Decision) => {
  if (decision.outcome !== 'accepted') throw new Error(`rejected: ${decision.error.message}`);
  return decision;
};

// Complements decide.unit.test.ts: how the decision numbers, orders and versions what it makes.
describe('decide: ids, order and revisions of what the decision makes', () => {
  it('without rules, it is the routing: its events numbered from the inbound key and caused by it', () => {
    const { last } = decideAll([message(T0, 'Bonjour', { id: 'first' })]);
    const decision = accepted(last.decision);
    expect(decision.routing).toMatchObject({ kind: 'new_ticket' });
    expect(decision.ticket?.events.map((d) => [d.id, d.causationId, d.event.type])).toEqual([
      [domainEventId(last.key, 0), last.key, 'TicketCreated'],
      [domainEventId(last.key, 1), last.key, 'MessageReceived'],
    ]);
    // The customer's events come after the ticket's in the numbering.
    expect(decision.customer.events.map((d) => [d.id, d.causationId, d.event.type])).toEqual([
      [domainEventId(last.key, 2), last.key, 'CustomerRouted'],
    ]);
    expect(decision.customer.history.state.routes).toEqual({ sms: decision.ticketId });
    expect(decision.ticket?.state).toMatchObject({ ticketId: decision.ticketId, messageCount: 1, version: 2 });
    expect(decision.commands).toEqual([]);
    expect(decision.rules).toEqual([]);
  });

  it('every routing event has an id of its own: a first SMS that says STOP routes and opts out', () => {
    const { last } = decideAll([message(T0, 'STOP', { id: 'first' })]);
    expect(accepted(last.decision).customer.events.map((d) => [d.id, d.event.type])).toEqual([
      [domainEventId(last.key, 2), 'CustomerRouted'],
      [domainEventId(last.key, 3), 'CustomerOptedOut'],
    ]);
  });

  it('an event that changes no ticket has no ticket part, and keeps the customer as it was', () => {
    const first = message(T0, 'Bonjour', { id: 'first' });
    const { decisions } = decideAll([first]);
    const ticketId = accepted(decisions[0]!.decision).ticketId;
    const { last } = decideAll([first, close(C, ticketId), close('2026-03-02T10:00:00.000Z', ticketId)]);
    const decision = accepted(last.decision);
    expect(decision.ticket).toBeNull();
    expect(decision.customer.events).toEqual([]);
    expect(decision.ticketId).toBe(ticketId);
  });

  it('the rules of each trigger the routing raised run in stream order, their records caused by the trigger', () => {
    const rules = rulesOf([
      { id: 'on-created', when: 'ticket.created', then: [{ type: 'add_tag', tag: 'new' }] },
      {
        id: 'on-message',
        when: 'message.received',
        then: [{ type: 'add_internal_note', body: 'tags: {{ticket.tags}}' }],
      },
    ]);
    const { last } = decideAll([message(T0, 'Bonjour', { id: 'first' })], rules);
    const decision = accepted(last.decision);
    const created = domainEventId(last.key, 0);
    const received = domainEventId(last.key, 1);
    expect(decision.ticket?.events.map((d) => [d.id, d.causationId, d.event.type])).toEqual([
      [created, last.key, 'TicketCreated'],
      [received, last.key, 'MessageReceived'],
      [domainEventId(created, 0), created, 'RulesEvaluated'],
      [domainEventId(created, 1), created, 'TagsChanged'],
      [domainEventId(received, 0), received, 'RulesEvaluated'],
    ]);
    // Each trigger's rules see the ticket as the routing left it and its stream revision.
    expect(decision.rules).toEqual([
      {
        trigger: 'ticket.created',
        triggerEventId: created,
        at: T0,
        evaluations: [expect.objectContaining({ ruleId: 'on-created', outcome: 'fired' })],
      },
      {
        trigger: 'message.received',
        triggerEventId: received,
        at: T0,
        evaluations: [expect.objectContaining({ ruleId: 'on-message', outcome: 'fired' })],
      },
    ]);
    expect(decision.ticket?.events[2]?.event).toMatchObject({
      data: { trigger: { type: 'ticket.created', eventId: created, version: 0 } },
    });
    expect(decision.ticket?.events[4]?.event).toMatchObject({
      data: { trigger: { type: 'message.received', eventId: received, version: 1 } },
    });
    // Every trigger's rules see the ticket as the routing left it, not the changes of another trigger's rules.
    expect(decision.commands.map((c) => [c.type, c.id, c.data])).toEqual([
      [
        'ticket.tag.add',
        commandId('on-created', created, 0),
        expect.objectContaining({ tag: 'new', correlationId: 'first' }),
      ],
      ['ticket.note.add', commandId('on-message', received, 0), expect.objectContaining({ body: 'tags: ' })],
    ]);
    // The state folds everything, firings included.
    expect(decision.ticket?.state).toMatchObject({
      tags: ['new'],
      version: 5,
      ruleFirings: { 'on-created': { count: 1 }, 'on-message': { count: 1 } },
    });
    expect(decision.ticket?.state).toEqual(foldTicket(decision.ticket?.events.map((d) => d.event) ?? []));
  });

  it('a trigger no rule listens to is neither evaluated nor recorded', () => {
    const rules = rulesOf([{ id: 'on-created', when: 'ticket.created', then: [{ type: 'add_tag', tag: 'new' }] }]);
    const decision = accepted(decideAll([message(T0, 'Bonjour', { id: 'first' })], rules).last.decision);
    expect(decision.rules.map((r) => r.trigger)).toEqual(['ticket.created']);
    expect(decision.ticket?.events.filter((d) => d.event.type === 'RulesEvaluated')).toHaveLength(1);
  });

  it('the revision of a later trigger counts the events before the group', () => {
    const rules = rulesOf([{ id: 'on-message', then: [{ type: 'add_internal_note', body: 'n' }] }]);
    const { last } = decideAll(
      [message(T0, 'Bonjour', { id: 'first' }), message('2026-03-02T08:05:00.000Z', 'encore', { id: 'second' })],
      rules,
    );
    const decision = accepted(last.decision);
    // The first decision left 3 events (created, received, rules record): the new message is revision 3.
    expect(decision.ticket?.events[1]?.event).toMatchObject({
      type: 'RulesEvaluated',
      data: { trigger: { version: 3 } },
    });
    expect(decision.ticket?.state.version).toBe(5);
  });

  it('auto-replies land on the customer, after the routing, and a later trigger of the group sees them', () => {
    const reply = { type: 'send_auto_reply', body: 'Bien reçu' } as const;
    const rules = rulesOf([
      { id: 'hello', when: 'ticket.created', then: [reply] },
      { id: 'again', when: 'message.received', then: [reply] },
    ]);
    const { last } = decideAll([message(T0, 'Bonjour', { id: 'first' })], rules);
    const decision = accepted(last.decision);
    const created = domainEventId(last.key, 0);
    expect(decision.customer.events.map((d) => [d.id, d.causationId, d.event.type])).toEqual([
      [domainEventId(last.key, 2), last.key, 'CustomerRouted'],
      // After the trigger's RulesEvaluated (0) in the numbering of what its rules made.
      [domainEventId(created, 1), created, 'AutoReplyRecorded'],
    ]);
    // The second reply is within the rate limit of the first: suppressed.
    expect(decision.rules[1]?.evaluations[0]?.actions[0]).toMatchObject({
      status: 'suppressed',
      reason: 'rate_limited',
    });
    expect(decision.commands.map((c) => c.type)).toEqual(['message.send']);
    expect(decision.customer.history.state.lastAutoReplyAt).toBe(T0);
  });
});

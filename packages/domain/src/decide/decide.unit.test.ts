import { describe, expect, it } from 'vitest';
import { emptyCustomerHistory, extendCustomerHistory, type CustomerHistory } from '../customer/customer-history.js';
import { InboundEvent } from '../inbound/inbound-event.js';
import { DEFAULT_RULES } from '../rules/default-rules.js';
import { RulesFile } from '../rules/rules-file.js';
import { commandId, domainEventId, inboundKey, ticketIdFor } from '../shared/ids.js';
import { DEFAULT_REOPEN_POLICY } from '../ticket/reopen-policy.js';
import type { TicketState } from '../ticket/ticket-state.js';
import { decide, type Decision } from './decide.js';
import { close, MARIE, message, SOURCE } from './decider.test-support.js';

// The one decision: routing and rules together, typed per stream, with deterministic ids. Each spec
// feeds decisions into a small world the way the ingest does (state after each accepted decision).

type Accepted = Extract<Decision, { outcome: 'accepted' }>;

class World {
  readonly tickets = new Map<string, TicketState>();
  customer: CustomerHistory = emptyCustomerHistory(MARIE.id);
  constructor(readonly rules: RulesFile = DEFAULT_RULES) {}

  decide(input: unknown): Decision {
    const event = InboundEvent.parse(input);
    const decision = decide(inboundKey(event.source, event.id), event, {
      customer: this.customer,
      tickets: this.tickets,
      rules: this.rules,
      policy: DEFAULT_REOPEN_POLICY,
    });
    if (decision.outcome === 'accepted') {
      if (decision.ticket !== null) this.tickets.set(decision.ticket.ticketId, decision.ticket.state);
      this.customer = decision.customer.history;
    }
    return decision;
  }

  accepted(input: unknown): Accepted {
    const decision = this.decide(input);
    if (decision.outcome !== 'accepted') throw new Error(`rejected: ${decision.error.message}`);
    return decision;
  }
}

const types = (decision: Accepted) => decision.ticket?.events.map((d) => d.event.type) ?? [];
const NOTE_ON_EVERY_MESSAGE = RulesFile.parse({
  rules: [
    {
      id: 'note',
      name: 'Note every message',
      when: 'message.received',
      then: [{ type: 'add_internal_note', body: 'seen {{message.body}}' }],
    },
  ],
});

describe('decide: one decision per inbound event, routing and rules together', () => {
  it('a reply inside the window: reopen, then the rules on each trigger, in stream order, with ids derived from the inbound key', () => {
    const world = new World();
    const first = world.accepted(message('2026-03-02T08:00:00Z', 'Bonjour', { id: 'sms-1' }));
    const ticketId = ticketIdFor(SOURCE, 'sms-1');
    expect(first.ticketId).toBe(ticketId);
    world.accepted(close('2026-03-02T09:00:00Z', ticketId));

    const reply = message('2026-03-02T10:00:00Z', 'Toujours rien reçu', { id: 'sms-2' });
    const decision = world.accepted(reply);
    const key = inboundKey(SOURCE, 'sms-2');
    expect(decision.routing?.kind).toBe('reopen');
    // Routing events first (caused by the inbound event), then each trigger's record and changes.
    expect(types(decision)).toEqual([
      'TicketReopened',
      'MessageReceived',
      'RulesEvaluated',
      'TagsChanged',
      'TicketAssigned',
    ]);
    const [reopened, received, evaluated, tagged] = decision.ticket!.events;
    expect([reopened!.id, reopened!.causationId]).toEqual([domainEventId(key, 0), key]);
    expect([received!.id, received!.causationId]).toEqual([domainEventId(key, 1), key]);
    // The rules listen to message.received only here: the decision's causes are that event.
    expect([evaluated!.id, evaluated!.causationId]).toEqual([domainEventId(received!.id, 0), received!.id]);
    expect([tagged!.id, tagged!.causationId]).toEqual([domainEventId(received!.id, 1), received!.id]);
    // The commands name the trigger; the auto-reply is recorded on the customer's stream.
    expect(decision.commands.map((c) => [c.type, c.id])).toEqual([
      ['ticket.tag.add', commandId('sms-reopened', received!.id, 0)],
      ['ticket.assign', commandId('sms-reopened', received!.id, 1)],
      ['message.send', commandId('sms-reopened', received!.id, 2)],
    ]);
    expect(decision.customer.events.map((d) => [d.event.type, d.causationId])).toEqual([
      ['AutoReplyRecorded', received!.id],
    ]);
    // The state after the decision holds the rules' changes and their firing.
    expect(decision.ticket!.state).toMatchObject({
      status: 'open',
      reopenCount: 1,
      tags: ['reopened-sms'],
      team: 'SMS Support',
    });
    expect(decision.ticket!.state.ruleFirings['sms-reopened']).toBeDefined();
  });

  it('"Merci !" after a close: the thanks rule closes the ticket in the same decision, so the next message finds it closed', () => {
    const world = new World();
    world.accepted(message('2026-03-02T08:00:00Z', 'Bonjour', { id: 'sms-1' }));
    const ticketId = ticketIdFor(SOURCE, 'sms-1');
    world.accepted(close('2026-03-02T09:00:00Z', ticketId));
    const thanks = world.accepted(message('2026-03-02T10:00:00Z', 'Merci !', { id: 'sms-2' }));
    expect(thanks.ticket!.state).toMatchObject({ status: 'closed', tags: ['auto-closed-thanks'] });
    const question = world.accepted(message('2026-03-02T10:00:01Z', 'Et ma commande ?', { id: 'sms-3' }));
    expect(question.routing?.kind).toBe('reopen');
  });

  it('records a decision for every trigger a rule listens to, even when no rule matched', () => {
    const world = new World();
    const first = world.accepted(message('2026-03-02T08:00:00Z', 'Bonjour', { id: 'sms-1' }));
    // New ticket: ticket.created (follow-up check) and message.received (the two reopen rules) are heard.
    expect(types(first)).toEqual(['TicketCreated', 'MessageReceived', 'RulesEvaluated', 'RulesEvaluated']);
    expect(first.rules.map((r) => [r.trigger, r.evaluations.map((e) => e.outcome)])).toEqual([
      ['ticket.created', ['not_matched']],
      ['message.received', ['not_matched', 'not_matched']],
    ]);
    expect(first.commands).toEqual([]);
  });

  it('agent events raise their triggers the same way (a close runs the ticket.closed rules)', () => {
    const rules = RulesFile.parse({
      rules: [
        {
          id: 'closed-note',
          name: 'Note on close',
          when: 'ticket.closed',
          then: [{ type: 'add_internal_note', body: 'closed' }],
        },
      ],
    });
    const world = new World(rules);
    world.accepted(message('2026-03-02T08:00:00Z', 'Bonjour', { id: 'sms-1' }));
    const closed = world.accepted(close('2026-03-02T09:00:00Z', ticketIdFor(SOURCE, 'sms-1')));
    expect(types(closed)).toEqual(['TicketClosed', 'RulesEvaluated']);
    expect(closed.commands.map((c) => c.type)).toEqual(['ticket.note.add']);
  });

  it('no rule listens: the routing only, and nothing recorded for rules', () => {
    const world = new World(RulesFile.parse({ rules: [] }));
    const first = world.accepted(message('2026-03-02T08:00:00Z', 'Bonjour', { id: 'sms-1' }));
    expect(types(first)).toEqual(['TicketCreated', 'MessageReceived']);
    expect(first.customer.events.map((d) => d.event.type)).toEqual(['CustomerRouted']);
    expect(first.rules).toEqual([]);
  });

  it('a late delivery is decided on the customer as of its own time: an opt-out recorded later does not suppress its auto-reply', () => {
    const world = new World();
    world.accepted(message('2026-03-02T08:00:00Z', 'Bonjour', { id: 'sms-1' }));
    const ticketId = ticketIdFor(SOURCE, 'sms-1');
    world.accepted(close('2026-03-02T09:00:00Z', ticketId));
    // STOP at 12:00 reopens the ticket (and records the opt-out); the agent closes again.
    world.accepted(message('2026-03-02T12:00:00Z', 'STOP', { id: 'sms-stop' }));
    world.accepted(close('2026-03-02T12:05:00Z', ticketId));
    // A message written at 10:00, delivered now: the customer had not opted out then.
    const late = world.accepted(message('2026-03-02T10:00:00Z', 'Vous êtes là ?', { id: 'sms-late' }));
    expect(late.routing?.kind).toBe('reopen');
    expect(late.commands.map((c) => c.type)).toContain('message.send');
    // The same message written after the opt-out: suppressed, with the reason recorded.
    world.accepted(close('2026-03-02T12:10:00Z', ticketId));
    const after = world.accepted(message('2026-03-02T13:00:00Z', 'Vous êtes là ?', { id: 'sms-after' }));
    expect(after.commands.map((c) => c.type)).not.toContain('message.send');
    const reply = after.rules
      .flatMap((r) => r.evaluations)
      .flatMap((e) => e.actions)
      .find((a) => a.type === 'send_auto_reply');
    expect(reply).toMatchObject({ status: 'suppressed', reason: 'opted_out' });
  });

  it('is pure: the same input gives a deep-equal decision, and the input is left as it was', () => {
    const world = new World(NOTE_ON_EVERY_MESSAGE);
    world.accepted(message('2026-03-02T08:00:00Z', 'Bonjour', { id: 'sms-1' }));
    const event = InboundEvent.parse(message('2026-03-02T08:05:00Z', 'Encore moi', { id: 'sms-2' }));
    const customer = extendCustomerHistory(world.customer, []);
    const tickets = new Map(world.tickets);
    const ctx = { customer, tickets, rules: NOTE_ON_EVERY_MESSAGE, policy: DEFAULT_REOPEN_POLICY };
    const snapshot = structuredClone({ customer, tickets: [...tickets] });
    const key = inboundKey(event.source, event.id);
    expect(decide(key, event, ctx)).toEqual(decide(key, event, ctx));
    expect({ customer, tickets: [...tickets] }).toEqual(snapshot);
  });

  it('a rejected event decides nothing: the routing error, no events, no rules', () => {
    const world = new World();
    const decision = world.decide(close('2026-03-02T09:00:00Z', 'tk_unknown'));
    expect(decision).toMatchObject({ outcome: 'rejected', error: { code: 'TICKET.NOT_FOUND' } });
  });
});

import { describe, expect, it } from 'vitest';
import type { RuleEvaluation } from '../rules/rule-evaluation.js';
import { evolve, foldTicket } from './evolve.js';
import type { TicketEvent, TicketEventOf } from './ticket-events.js';
import { aTicketState } from './ticket-state.test-support.js';

const AT = '2025-03-02T10:00:00.000Z';
const WINDOW = { duration: '24h', ms: 86_400_000, source: 'integration', key: 'postscript' } as const;

const created: TicketEventOf<'TicketCreated'> = {
  type: 'TicketCreated',
  data: {
    ticketId: 'tk_1',
    at: '2025-03-01T09:00:00.000Z',
    channel: 'sms',
    integration: 'postscript',
    customer: { id: 'cus_1', name: 'Élodie Dupont', phone: '+33600000001' },
    subject: 'SMS from Élodie Dupont',
    origin: 'customer',
    followUpOf: 'tk_0',
  },
};

const received = (customer: TicketEventOf<'MessageReceived'>['data']['customer']): TicketEvent => ({
  type: 'MessageReceived',
  data: {
    ticketId: 'tk_1',
    at: AT,
    messageId: 'm1',
    body: 'Bonjour',
    intent: 'other',
    customer,
    routing: { kind: 'open_ticket', reason: 'the ticket is open' },
  },
});

const evaluated = (reopenCount: number, outcomes: Record<string, RuleEvaluation['outcome']>): TicketEvent => ({
  type: 'RulesEvaluated',
  data: {
    ticketId: 'tk_1',
    at: AT,
    trigger: { type: 'message.received', eventId: 'e1', version: 2 },
    reopenCount,
    evaluations: Object.entries(outcomes).map(([ruleId, outcome]) => ({
      ruleId,
      outcome,
      conditions: [],
      actions: [],
    })),
    commands: [],
  },
});

describe('evolve: the ticket state is a fold of its events', () => {
  it('TicketCreated starts an open ticket at version 1 with nothing on it yet', () => {
    expect(evolve(null, created)).toEqual({
      ticketId: 'tk_1',
      status: 'open',
      channel: 'sms',
      integration: 'postscript',
      customer: created.data.customer,
      subject: 'SMS from Élodie Dupont',
      tags: [],
      team: null,
      agent: null,
      createdAt: '2025-03-01T09:00:00.000Z',
      closedAt: null,
      reopenDeadline: null,
      reopenWindow: null,
      reopenCount: 0,
      followUpOf: 'tk_0',
      messageCount: 0,
      lastMessageAt: null,
      ruleFirings: {},
      timers: [],
      version: 1,
    });
  });

  it('an event before TicketCreated leaves no ticket', () => {
    expect(evolve(null, received({ id: 'cus_1' }))).toBeNull();
  });

  it('the version counts the events folded: one more per event, whatever its type', () => {
    const state = foldTicket([created, received({ id: 'cus_1' }), evaluated(0, {}), received({ id: 'cus_1' })]);
    expect(state?.version).toBe(4);
    expect(evolve(aTicketState({ version: 5 }), evaluated(1, {}))?.version).toBe(6);
  });

  it('a received message counts, dates the last message and updates what is known of the customer', () => {
    const before = aTicketState({
      messageCount: 3,
      customer: { id: 'cus_1', name: 'Élodie Dupont', phone: '+33600000001' },
    });
    const after = evolve(before, received({ id: 'cus_1', email: 'elodie@example.com' }));
    expect(after).toMatchObject({ messageCount: 4, lastMessageAt: AT });
    // Known details the message did not carry are kept.
    expect(after?.customer).toEqual({
      id: 'cus_1',
      name: 'Élodie Dupont',
      phone: '+33600000001',
      email: 'elodie@example.com',
    });
  });

  it('a sent message counts and dates the last message, the customer unchanged', () => {
    const before = aTicketState({ messageCount: 3 });
    const sent: TicketEvent = {
      type: 'MessageSent',
      data: {
        ticketId: 'tk_1',
        at: AT,
        messageId: 'm2',
        body: 'Bonjour Élodie',
        author: { type: 'agent', id: 'ag_1' },
      },
    };
    expect(evolve(before, sent)).toEqual({
      ...before,
      messageCount: 4,
      lastMessageAt: AT,
      version: before.version + 1,
    });
  });

  it('closing fixes the close time, deadline and window; reopening clears them and counts the reopen', () => {
    const open = aTicketState({ reopenCount: 1 });
    const closed = evolve(open, {
      type: 'TicketClosed',
      data: {
        ticketId: 'tk_1',
        at: AT,
        closedBy: { type: 'agent' },
        window: WINDOW,
        reopenDeadline: '2025-03-03T10:00:00.000Z',
      },
    });
    expect(closed).toMatchObject({
      status: 'closed',
      closedAt: AT,
      reopenDeadline: '2025-03-03T10:00:00.000Z',
      reopenWindow: WINDOW,
      reopenCount: 1,
    });
    const reopened = evolve(closed, {
      type: 'TicketReopened',
      data: {
        ticketId: 'tk_1',
        at: '2025-03-02T11:00:00.000Z',
        closedAt: AT,
        reopenDeadline: '2025-03-03T10:00:00.000Z',
        window: WINDOW,
      },
    });
    expect(reopened).toMatchObject({
      status: 'open',
      closedAt: null,
      reopenDeadline: null,
      reopenWindow: null,
      reopenCount: 2,
    });
  });

  it('tags stay a sorted set: removals apply to the tags before, additions are merged without duplicates', () => {
    const before = aTicketState({ tags: ['billing', 'urgent', 'vip'] });
    const after = evolve(before, {
      type: 'TagsChanged',
      data: { ticketId: 'tk_1', at: AT, added: ['angry', 'vip', 'angry'], removed: ['urgent'], by: { type: 'agent' } },
    });
    expect(after?.tags).toEqual(['angry', 'billing', 'vip']);
  });

  it('an assignment changes only what it names: a team alone keeps the agent, an agent alone keeps the team', () => {
    const before = aTicketState({ team: 'Billing', agent: 'ag_1' });
    const assign = (what: { team?: string | null; agent?: string | null }): TicketEvent => ({
      type: 'TicketAssigned',
      data: { ticketId: 'tk_1', at: AT, ...what, by: { type: 'agent' } },
    });
    expect(evolve(before, assign({ team: 'Support' }))).toMatchObject({ team: 'Support', agent: 'ag_1' });
    expect(evolve(before, assign({ agent: 'ag_2' }))).toMatchObject({ team: 'Billing', agent: 'ag_2' });
    expect(evolve(before, assign({ team: null, agent: null }))).toMatchObject({ team: null, agent: null });
  });

  describe('rule firings (what `once` is decided on)', () => {
    it('only a rule that fired counts; disabled, unmatched and skipped rules leave no firing', () => {
      const after = evolve(
        aTicketState({ ruleFirings: {} }),
        evaluated(1, {
          fired: 'fired',
          off: 'disabled',
          nope: 'not_matched',
          once: 'skipped_once',
          stopped: 'skipped_stop',
        }),
      );
      expect(after?.ruleFirings).toEqual({ fired: { count: 1, lastReopenCount: 1 } });
    });

    it('each firing adds one to the rule count and records the reopen cycle it fired in', () => {
      const before = aTicketState({ ruleFirings: { ack: { count: 2, lastReopenCount: 0 } } });
      expect(evolve(before, evaluated(3, { ack: 'fired' }))?.ruleFirings).toEqual({
        ack: { count: 3, lastReopenCount: 3 },
      });
    });

    it('the firings of other rules are kept, and a rule that does not fire keeps its count', () => {
      const before = aTicketState({
        ruleFirings: { ack: { count: 2, lastReopenCount: 0 }, vip: { count: 1, lastReopenCount: 1 } },
      });
      expect(evolve(before, evaluated(1, { ack: 'not_matched', close: 'fired' }))?.ruleFirings).toEqual({
        ack: { count: 2, lastReopenCount: 0 },
        vip: { count: 1, lastReopenCount: 1 },
        close: { count: 1, lastReopenCount: 1 },
      });
    });

    it('the state before is not changed (replays share states)', () => {
      const before = aTicketState({ ruleFirings: { ack: { count: 1, lastReopenCount: 0 } } });
      evolve(before, evaluated(1, { ack: 'fired' }));
      expect(before.ruleFirings).toEqual({ ack: { count: 1, lastReopenCount: 0 } });
    });
  });

  it('an event of an unknown type is a programming error, named in the message', () => {
    const bogus = { type: 'TicketTeleported', data: { ticketId: 'tk_1', at: AT } } as unknown as TicketEvent;
    expect(() => evolve(aTicketState(), bogus)).toThrow(/unknown ticket event .*TicketTeleported/);
  });
});

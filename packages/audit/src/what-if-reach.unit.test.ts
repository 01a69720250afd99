import { describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES, RulesFile, type ReopenPolicy } from '@tickets/domain';
import { customerReach, type ClosedRouting, type ReachFacts, type TicketFacts } from './what-if-reach.js';

const recorded = { rules: DEFAULT_RULES, policy: DEFAULT_REOPEN_POLICY };

const tickets = new Map<string, TicketFacts>([
  ['tk_ana_sms', { customerId: 'cus_ana', channel: 'sms', integration: 'postscript' }],
  ['tk_ben_mail', { customerId: 'cus_ben', channel: 'email', integration: null }],
  ['tk_cleo_chat', { customerId: 'cus_cleo', channel: 'chat', integration: null }],
]);

function facts(over: Partial<ReachFacts> = {}): ReachFacts {
  return {
    configurations: [recorded],
    unconfigured: 0,
    tickets,
    closedRoutings: [],
    timerTickets: new Set(),
    erasedCustomers: new Set(),
    ...over,
  };
}

/** A message `hours` after its ticket closed at noon, recorded as `kind`. */
const routing = (closedTicketId: string, hours: number, kind: ClosedRouting['kind']): ClosedRouting => ({
  closedTicketId,
  kind,
  closedAt: '2026-03-02T12:00:00.000Z',
  at: new Date(Date.parse('2026-03-02T12:00:00.000Z') + hours * 3_600_000).toISOString(),
});

const policy = (over: Partial<ReopenPolicy>): ReopenPolicy => ({ ...DEFAULT_REOPEN_POLICY, ...over });
const customersOf = (reach: ReturnType<typeof customerReach>) => (reach.all ? 'all' : [...reach.customers].sort());

describe('which customers a changed reopen policy can reach', () => {
  it('reaches a customer whose reply would land on the other side of the moved deadline, both ways', () => {
    const history = facts({
      closedRoutings: [
        // Postscript 24 h: a reply after 30 h was a follow-up; with 48 h it reopens.
        routing('tk_ana_sms', 30, 'follow_up'),
        // Default 7 d: a reply after 4 days reopened; with 3 d it is a follow-up.
        routing('tk_ben_mail', 96, 'reopen'),
      ],
    });

    const reach = customerReach(history, {
      ...recorded,
      policy: policy({ default: '3d', integrations: { postscript: '48h' } }),
    });

    expect(customersOf(reach)).toEqual(['cus_ana', 'cus_ben']);
  });

  it('leaves out a customer whose replies land on the same side of the deadline under the new windows', () => {
    const history = facts({
      closedRoutings: [routing('tk_ana_sms', 2, 'reopen'), routing('tk_ben_mail', 200, 'follow_up')],
    });

    const reach = customerReach(history, {
      ...recorded,
      policy: policy({ default: '3d', integrations: { postscript: '48h' } }),
    });

    expect(customersOf(reach)).toEqual([]);
  });

  it('picks the window by integration, then channel, then default, as the close did', () => {
    // 60 h after the close: inside a 3 d chat window, outside a 2 d default.
    const history = facts({ closedRoutings: [routing('tk_cleo_chat', 60, 'reopen')] });

    expect(customersOf(customerReach(history, { ...recorded, policy: policy({ default: '2d' }) }))).toEqual([]);
    expect(
      customersOf(customerReach(history, { ...recorded, policy: policy({ default: '2d', channels: { chat: '2d' } }) })),
    ).toEqual(['cus_cleo']);
  });

  it('counts a reply exactly at the new deadline as a follow-up, as the decision does', () => {
    const history = facts({ closedRoutings: [routing('tk_ana_sms', 48, 'reopen')] });

    const reach = customerReach(history, { ...recorded, policy: policy({ integrations: { postscript: '48h' } }) });

    expect(customersOf(reach)).toEqual(['cus_ana']);
  });

  it('reaches every customer with a timer or an erased record, whatever the windows', () => {
    const history = facts({ timerTickets: new Set(['tk_cleo_chat']), erasedCustomers: new Set(['cus_dee']) });

    expect(customersOf(customerReach(history, recorded))).toEqual(['cus_cleo', 'cus_dee']);
  });

  it('reaches everyone when the rules differ from any recorded configuration', () => {
    const other = RulesFile.parse({ rules: [] });
    const reach = customerReach(
      facts({ configurations: [recorded, { rules: other, policy: DEFAULT_REOPEN_POLICY }] }),
      recorded,
    );

    expect(reach).toMatchObject({ all: true, reason: expect.stringContaining('rules differ') });
    expect(customerReach(facts(), { rules: other, policy: DEFAULT_REOPEN_POLICY }).all).toBe(true);
  });

  it('reaches everyone when a decision names no configuration, one cannot be read, or a ticket is unknown', () => {
    expect(customerReach(facts({ unconfigured: 3 }), recorded)).toMatchObject({
      all: true,
      reason: expect.stringContaining('3 inbound records'),
    });
    expect(customerReach(facts({ configurations: [{ invalid: 'bad hash' }] }), recorded)).toMatchObject({
      all: true,
      reason: expect.stringContaining('bad hash'),
    });
    expect(customerReach(facts({ closedRoutings: [routing('tk_nobody', 1, 'reopen')] }), recorded)).toMatchObject({
      all: true,
      reason: expect.stringContaining('tk_nobody'),
    });
  });
});

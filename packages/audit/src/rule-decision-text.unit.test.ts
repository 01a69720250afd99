import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REOPEN_POLICY,
  DEFAULT_RULES,
  evaluateRules,
  initialCustomerState,
  RulesFile,
  type TicketState,
} from '@tickets/domain';
import { ruleDecisionHead } from './rule-decision-text.js';

const ticket: TicketState = {
  ticketId: 'tk_1',
  status: 'open',
  channel: 'sms',
  integration: 'postscript',
  customer: { id: 'cus_1', name: 'Ana "the \\"quoted\\"" Lopez', phone: '+34600000001' },
  subject: 'SMS from Ana',
  tags: [],
  team: null,
  agent: null,
  createdAt: '2026-03-01T09:00:00.000Z',
  closedAt: null,
  reopenDeadline: null,
  reopenWindow: null,
  reopenCount: 1,
  followUpOf: null,
  messageCount: 2,
  lastMessageAt: '2026-03-01T10:00:00.000Z',
  ruleFirings: {},
  timers: [],
  version: 4,
};

// A rule that reads the body, so that the body ends up in the recorded condition outcomes.
const READS_BODY = RulesFile.parse({
  rules: [
    ...DEFAULT_RULES.rules,
    {
      id: 'vip-word',
      name: 'VIP word',
      when: 'message.received',
      if: { all: [{ field: 'message.body', op: 'contains', value: 'VIP' }] },
      then: [{ type: 'add_tag', tag: 'vip' }],
    },
  ],
});

/** A decision as the reactor records it, serialised as the store keeps it. */
function recorded(previousStatus: 'open' | 'closed', body: string): string {
  const decision = evaluateRules({
    trigger: 'message.received',
    event: { id: 'ev_1', version: 3, at: '2026-03-01T10:00:00.000Z', correlationId: 'sms-1' },
    previous: { ...ticket, status: previousStatus },
    ticket,
    message: { body, intent: body === 'Merci !' ? 'gratitude' : 'other', channel: 'sms' },
    customer: initialCustomerState('cus_1'),
    rules: READS_BODY,
    policy: DEFAULT_REOPEN_POLICY,
  });
  return JSON.stringify(decision.evaluated);
}

/** A clear decision as verify reads it (verify-pass.ts): its head when that is all it needs, else the whole. */
type Decision = NonNullable<ReturnType<typeof ruleDecisionHead>>;
const decodeRuleDecision = (text: string): Decision => ruleDecisionHead(text) ?? (JSON.parse(text) as Decision);

describe('decoding a recorded rule decision for verify', () => {
  it('reads only the head of a decision where no rule fired, and gives what verify reads of it', () => {
    // The message body echoes the markers: quoted, they are text, not structure.
    const text = recorded('open', 'x "outcome":"fired" "status":"emitted" ,"evaluations":');
    const full = JSON.parse(text) as ReturnType<typeof decodeRuleDecision>;
    expect(full.evaluations.some((e) => e.outcome === 'fired')).toBe(false);
    expect(text).toContain('\\"outcome\\":\\"fired\\"');
    expect(decodeRuleDecision(text)).toEqual({ ...full, evaluations: [], commands: [] });
  });

  it('parses in full a decision where a rule fired', () => {
    const text = recorded('closed', 'Toujours rien');
    expect(decodeRuleDecision(text)).toEqual(JSON.parse(text));
    expect(decodeRuleDecision(text).commands.length).toBeGreaterThan(0);
  });

  it('reads the head of a sealed decision as of a clear one, and nothing of one where a rule fired', () => {
    // As a sealed store keeps it: the compared values replaced by the codec's placeholder.
    const sealed = (text: string): string =>
      JSON.stringify(JSON.parse(text), (key, value: unknown) =>
        key === 'actual' || key === 'expected' ? '[encrypted]' : value,
      );
    const quiet = recorded('open', 'Merci !');
    expect(sealed(quiet)).not.toBe(quiet);
    expect(ruleDecisionHead(sealed(quiet))).toEqual(decodeRuleDecision(quiet));
    expect(ruleDecisionHead(sealed(recorded('closed', 'Toujours rien')))).toBeUndefined();
  });

  it('parses in full what is not laid out as the reactor writes it', () => {
    const reordered = JSON.stringify({
      evaluations: [],
      ticketId: 'tk_1',
      at: '2026-03-01T10:00:00.000Z',
      trigger: { type: 'message.received', eventId: 'ev_1', version: 3 },
      reopenCount: 0,
      commands: [],
    });
    expect(decodeRuleDecision(reordered)).toEqual(JSON.parse(reordered));
    const forged = JSON.stringify({
      ticketId: 'tk_1',
      at: '2026-03-01T10:00:00.000Z',
      trigger: { type: 'message.received', eventId: 'ev_1', version: 3 },
      reopenCount: 0,
      evaluations: [],
      commands: [{ id: 'cmd_x' }],
    });
    expect(decodeRuleDecision(forged)).toEqual(JSON.parse(forged));
  });
});

import { describe, expect, it } from 'vitest';
import type { Command } from '../commands/command.js';
import { emptyCustomerHistory, type CustomerHistory } from '../customer/customer-history.js';
import { decide, decideTimers, timersToLoad, type Decision } from '../decide/decide.js';
import { close, MARIE, message } from '../decide/decider.test-support.js';
import { InboundEvent, type InboundEventInput } from '../inbound/inbound-event.js';
import { InMemoryPipeline } from '../pipeline/in-memory-pipeline.js';
import { RulesFile, type RuleInput } from '../rules/rules-file.js';
import { inboundKey } from '../shared/ids.js';
import { DEFAULT_REOPEN_POLICY } from '../ticket/reopen-policy.js';
import type { TicketState } from '../ticket/ticket-state.js';

const NUDGE = "Avez-vous encore besoin d'aide ? Répondez simplement à ce message.";

/** The worked example of docs/timers.md: a nudge at 48 h, a close at 72 h, the reopen window's end. */
const TIMER_RULES: RuleInput[] = [
  {
    id: 'nudge-48h',
    name: 'Nudge a customer who has not answered for 48 h',
    when: { after: '48h', since: 'agent_reply' },
    if: { all: [{ field: 'ticket.status', op: 'eq', value: 'open' }] },
    then: [{ type: 'send_auto_reply', body: NUDGE }],
  },
  {
    id: 'autoclose-72h',
    name: 'Close a ticket whose customer has not answered for 72 h',
    when: { after: '72h', since: 'agent_reply' },
    then: [{ type: 'close_ticket' }, { type: 'add_tag', tag: 'auto-closed-no-reply' }],
  },
  {
    id: 'reopen-window-ended',
    name: 'Say when a closed ticket can no longer be reopened',
    when: { at: 'reopen_deadline' },
    then: [{ type: 'add_tag', tag: 'reopen-window-ended' }],
  },
];
const rules = RulesFile.parse({ rules: TIMER_RULES });

let n = 0;
function reply(time: string, ticketId: string, author: 'agent' | 'automation' = 'agent'): InboundEventInput {
  return {
    specversion: '1.0',
    id: `reply-${++n}`,
    source: 'https://helpdesk.example/agents',
    type: 'message.sent',
    time,
    subject: MARIE.id,
    data: { ticketId, message: { id: `r-${n}`, body: 'Voici la réponse.' }, author: { type: author, id: 'agent-lea' } },
  };
}

/** Feeds events in order through the in-memory pipeline; returns it and every command, in order. */
function run(events: readonly InboundEventInput[], options: { until?: string; rulesFile?: RulesFile } = {}) {
  const pipeline = new InMemoryPipeline(options.rulesFile ?? rules, DEFAULT_REOPEN_POLICY);
  const commands: Command[] = [];
  const decisions: Decision[] = [];
  for (const input of events) {
    const event = InboundEvent.parse(input);
    const outcome = pipeline.handle(inboundKey(event.source, event.id), event);
    if (outcome.outcome === 'rejected') throw new Error(outcome.error.message);
    commands.push(...outcome.commands);
  }
  if (options.until !== undefined) commands.push(...pipeline.advanceTo(options.until));
  return { pipeline, commands, decisions, ticket: (): TicketState => [...pipeline.allTickets()][0]! };
}

const first = message('2026-03-02T08:00:00.000Z', 'Ma commande n’est pas arrivée', { id: 'first' });

describe('timers set by a decision', () => {
  it('an agent reply sets one timer per timer rule, due at the reply’s event time plus the duration, shown on the ticket', () => {
    const { ticket } = run([first]);
    const ticketId = ticket().ticketId;
    const { ticket: after } = run([first, reply('2026-03-02T09:30:00.000Z', ticketId)]);
    expect(after().timers?.map((t) => [t.ruleId, t.kind, t.dueAt, t.setAt])).toEqual([
      ['nudge-48h', 'agent_reply', '2026-03-04T09:30:00.000Z', '2026-03-02T09:30:00.000Z'],
      ['autoclose-72h', 'agent_reply', '2026-03-05T09:30:00.000Z', '2026-03-02T09:30:00.000Z'],
    ]);
  });

  it('an automation reply (our own nudge coming back) starts no waiting period', () => {
    const ticketId = run([first]).ticket().ticketId;
    const { ticket } = run([first, reply('2026-03-02T09:30:00.000Z', ticketId, 'automation')]);
    expect(ticket().timers).toEqual([]);
  });

  it('a customer message cancels them with a recorded reason, so nothing fires later', () => {
    const ticketId = run([first]).ticket().ticketId;
    const events = [
      first,
      reply('2026-03-02T09:30:00.000Z', ticketId),
      message('2026-03-03T10:00:00.000Z', 'Toujours rien', { id: 'again' }),
    ];
    const { ticket, commands } = run(events, { until: '2026-03-20T00:00:00.000Z' });
    expect(ticket().timers).toEqual([]);
    expect(ticket().status).toBe('open');
    expect(commands).toEqual([]);
  });

  it('rules without a timer rule set no timer and record no timer event (existing rules are unchanged)', () => {
    const plain = RulesFile.parse({
      rules: [{ id: 'tag', name: 'Tag', when: 'message.received', then: [{ type: 'add_tag', tag: 'x' }] }],
    });
    const event = InboundEvent.parse(first);
    const decision = decide(inboundKey(event.source, event.id), event, {
      customer: emptyCustomerHistory(MARIE.id),
      tickets: new Map(),
      rules: plain,
      policy: DEFAULT_REOPEN_POLICY,
    });
    if (decision.outcome !== 'accepted') throw new Error('rejected');
    expect(decision.ticket?.events.map((d) => d.event.type)).toEqual([
      'TicketCreated',
      'MessageReceived',
      'RulesEvaluated',
      'TagsChanged',
    ]);
    expect(decision.customer.events.map((d) => d.event.type)).toEqual(['CustomerRouted']);
  });
});

describe('timers fired on event time', () => {
  const ticketId = run([first]).ticket().ticketId;
  const replied = [first, reply('2026-03-02T09:30:00.000Z', ticketId)];

  it('fire before a later event of the customer, in due-time order, at event time = due time: nudge at 48 h, close at 72 h', () => {
    const later = message('2026-03-05T20:00:00.000Z', 'Bonjour ?', { id: 'later' });
    const { pipeline, commands } = run([...replied, later]);
    expect(commands).toHaveLength(3);
    const nudge = commands[0]!;
    expect(nudge.type).toBe('message.send');
    expect(nudge.time).toBe('2026-03-04T09:30:00.000Z');
    expect(nudge.type === 'message.send' ? nudge.data.body : '').toBe(NUDGE);
    expect(commands.slice(1, 3).map((c) => [c.type, c.time])).toEqual([
      ['ticket.close', '2026-03-05T09:30:00.000Z'],
      ['ticket.tag.add', '2026-03-05T09:30:00.000Z'],
    ]);
    // The later message finds the ticket closed by the timer (inside its 24 h Postscript window: reopened).
    const ticket = pipeline.ticket(ticketId)!;
    expect(ticket.reopenCount).toBe(1);
    expect(ticket.tags).toContain('auto-closed-no-reply');
    // The reopen cancelled the window's end.
    expect(ticket.timers).toEqual([]);
  });

  it('a timer not yet due when the next event comes does not fire', () => {
    const { commands, ticket } = run([...replied, message('2026-03-04T09:29:59.000Z', 'Un instant', { id: 'x' })]);
    expect(commands).toEqual([]);
    expect(ticket().timers).toEqual([]);
  });

  it('a timer due exactly at the next event’s time fires before it', () => {
    const { commands } = run([...replied, reply('2026-03-04T09:30:00.000Z', ticketId)]);
    expect(commands.map((c) => [c.type, c.time])).toEqual([['message.send', '2026-03-04T09:30:00.000Z']]);
  });

  it('nudges once per waiting period: a new agent reply restarts the clock, the next period nudges again', () => {
    const events = [...replied, reply('2026-03-03T09:30:00.000Z', ticketId)];
    const { pipeline, commands } = run(events, { until: '2026-03-05T10:00:00.000Z' });
    expect(commands.map((c) => [c.type, c.time])).toEqual([['message.send', '2026-03-05T09:30:00.000Z']]);
    expect(pipeline.ticket(ticketId)!.timers?.map((t) => t.dueAt)).toEqual(['2026-03-06T09:30:00.000Z']);
  });

  it('the reopen window’s end is a recorded firing on the closed ticket; a reopen before it cancels it', () => {
    const closed = [first, close('2026-03-02T10:00:00.000Z', ticketId)];
    const ended = run(closed, { until: '2026-03-03T10:00:00.000Z' });
    expect(ended.commands.map((c) => [c.type, c.time])).toEqual([['ticket.tag.add', '2026-03-03T10:00:00.000Z']]);
    const reopened = run([...closed, message('2026-03-02T20:00:00.000Z', 'Encore moi', { id: 'back' })], {
      until: '2026-03-09T00:00:00.000Z',
    });
    expect(reopened.commands).toEqual([]);
    expect(reopened.pipeline.ticket(ticketId)!.timers).toEqual([]);
  });

  it('timers of the customer’s other tickets fire before an event on another ticket', () => {
    const email = message('2026-03-02T08:05:00.000Z', 'Par e-mail aussi', {
      id: 'mail',
      channel: 'email',
      integration: null,
    });
    const emailTicket = run([first, email]).pipeline;
    const emailId = [...emailTicket.allTickets()].find((t) => t.channel === 'email')!.ticketId;
    const { commands, pipeline } = run([
      first,
      email,
      reply('2026-03-02T09:00:00.000Z', emailId),
      message('2026-03-10T08:00:00.000Z', 'SMS', { id: 'sms2' }),
    ]);
    expect(commands.map((c) => [c.type, c.subject])).toEqual([
      ['message.send', emailId],
      ['ticket.close', emailId],
      ['ticket.tag.add', emailId],
    ]);
    expect(pipeline.ticket(emailId)!.status).toBe('closed');
  });
});

describe('invariant 7 for timers: the outcome never depends on when a scheduler ran', () => {
  const ticketId = run([first]).ticket().ticketId;
  const events = [
    first,
    reply('2026-03-02T09:30:00.000Z', ticketId),
    message('2026-03-06T12:00:00.000Z', 'Bonjour ?', { id: 'later' }),
  ];

  it('the tickets and the commands (ids and content) are equal whether the scheduler fired before the next event or the next event fired them', () => {
    const byIngest = run(events);
    // The scheduler's path: the wall clock passed each due time before the next event arrived.
    const pipeline = new InMemoryPipeline(rules, DEFAULT_REOPEN_POLICY);
    const commands: Command[] = [];
    for (const input of events) {
      const event = InboundEvent.parse(input);
      commands.push(...pipeline.advanceTo('2026-03-04T09:30:00.000Z'));
      commands.push(...pipeline.advanceTo(event.time));
      const outcome = pipeline.handle(inboundKey(event.source, event.id), event);
      if (outcome.outcome === 'accepted') commands.push(...outcome.commands);
    }
    expect(commands).toEqual(byIngest.commands);
    expect([...pipeline.allTickets()]).toEqual([...byIngest.pipeline.allTickets()]);
  });

  it('firing is idempotent by timer id: firing what already fired decides nothing', () => {
    const { pipeline } = run(events.slice(0, 2), { until: '2026-03-10T00:00:00.000Z' });
    expect(pipeline.advanceTo('2026-03-10T00:00:00.000Z')).toEqual([]);
  });

  it('decideTimers on a stale customer index writes only the index fix, never a second firing', () => {
    const { pipeline } = run(events.slice(0, 2), { until: '2026-03-10T00:00:00.000Z' });
    const ticket = pipeline.ticket(ticketId)!;
    // A customer whose index still names the ticket (as if a copy were taken before the firing).
    const stale: CustomerHistory = {
      ...emptyCustomerHistory(MARIE.id),
      state: { ...emptyCustomerHistory(MARIE.id).state, timers: { [ticketId]: '2026-03-04T09:30:00.000Z' } },
    };
    expect(timersToLoad(stale.state, '2026-03-10T00:00:00.000Z')).toEqual([ticketId]);
    const decision = decideTimers('2026-03-10T00:00:00.000Z', {
      customer: stale,
      tickets: new Map([[ticketId, ticket]]),
      rules,
      policy: DEFAULT_REOPEN_POLICY,
    });
    expect(decision.fired).toEqual([]);
    expect(decision.commands).toEqual([]);
    expect(decision.customer.events.map((d) => d.event.type)).toEqual(['CustomerTimersChanged']);
  });
});

describe('bad timer rules are refused when the rules file is read, naming the rule and the field', () => {
  const issues = (rule: RuleInput): string[] => {
    const parsed = RulesFile.safeParse({ rules: [rule] });
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  const base = { id: 'r', name: 'R', then: [{ type: 'add_tag' as const, tag: 't' }] };

  it('a condition on the message, which a firing timer does not have', () => {
    expect(
      issues({
        ...base,
        when: { after: '1h', since: 'agent_reply' },
        if: { all: [{ field: 'message.body', op: 'contains', value: 'x' }] },
      }),
    ).toEqual(['rules.0.if.all.0.field: rule r: field message.body does not exist when a timer fires (no message)']);
  });

  it('an impossible duration, an unknown anchor, an `unless` naming the anchor', () => {
    expect(issues({ ...base, when: { after: '0h', since: 'agent_reply' } }).join()).toMatch(/positive duration/);
    expect(issues({ ...base, when: { after: '72x', since: 'agent_reply' } }).join()).toMatch(/positive duration/);
    expect(issues({ ...base, when: { after: '1h', since: 'lunch' as 'agent_reply' } }).length).toBeGreaterThan(0);
    expect(issues({ ...base, when: { after: '1h', since: 'agent_reply', unless: ['agent_reply'] } }).join()).toMatch(
      /cannot name the anchor/,
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command } from '../commands/command.js';
import { close, MARIE, message } from '../decide/decider.test-support.js';
import { InboundEvent, type InboundEventInput } from '../inbound/inbound-event.js';
import { InMemoryPipeline } from '../pipeline/in-memory-pipeline.js';
import { RulesFile, type RulesFileInput } from '../rules/rules-file.js';
import { addBusinessTime, businessTimeBetween } from '../shared/business-hours.js';
import { inboundKey } from '../shared/ids.js';
import { DEFAULT_REOPEN_POLICY } from '../ticket/reopen-policy.js';
import type { TicketState } from '../ticket/ticket-state.js';

// SLA targets as a policy (docs/timers.md, SLA targets): counted in business hours, a warning at a
// share of the target, a breach running actions, the resolution clock paused while the ticket waits
// on the customer or is closed. Paris is UTC+1 in early March 2026: 09:00 Paris = 08:00Z.

const HOUR = 3_600_000;
const FILE: RulesFileInput = {
  calendars: {
    support: {
      zone: 'Europe/Paris',
      hours: {
        mon: ['09:00-18:00'],
        tue: ['09:00-18:00'],
        wed: ['09:00-18:00'],
        thu: ['09:00-18:00'],
        fri: ['09:00-18:00'],
      },
    },
  },
  sla: [
    {
      name: 'sms-standard',
      match: { channel: ['sms'] },
      calendar: 'support',
      targets: { first_response: '1h', next_response: '4h', resolution: '8h' },
      warning: { at: '80%', then: [{ type: 'add_tag', tag: 'sla-warning' }] },
      breach: {
        then: [
          { type: 'add_tag', tag: 'sla-breached' },
          { type: 'assign_team', team: 'Escalation' },
        ],
      },
    },
  ],
  rules: [],
};
const rules = RulesFile.parse(FILE);
const calendar = rules.calendars.support!;

let n = 0;
const reply = (time: string, ticketId: string): InboundEventInput => ({
  specversion: '1.0',
  id: `sla-reply-${++n}`,
  source: 'https://helpdesk.example/agents',
  type: 'message.sent',
  time,
  subject: MARIE.id,
  data: { ticketId, message: { id: `sr-${n}`, body: 'Voici.' }, author: { type: 'agent', id: 'agent-lea' } },
});

function run(events: readonly ((ticketId: string) => InboundEventInput)[], until?: string) {
  const pipeline = new InMemoryPipeline(rules, DEFAULT_REOPEN_POLICY);
  const commands: Command[] = [];
  let ticketId = '';
  for (const make of events) {
    const event = InboundEvent.parse(make(ticketId));
    const outcome = pipeline.handle(inboundKey(event.source, event.id), event);
    if (outcome.outcome === 'rejected') throw new Error(outcome.error.message);
    ticketId = outcome.ticketId;
    commands.push(...outcome.commands);
  }
  if (until !== undefined) commands.push(...pipeline.advanceTo(until));
  return { commands, ticket: (): TicketState => pipeline.ticket(ticketId)! };
}

const first = (): InboundEventInput => message('2026-03-02T08:00:00.000Z', 'Ma commande ?', { id: `sla-first-${++n}` });
const sla = (t: TicketState) => Object.fromEntries((t.sla ?? []).map((s) => [s.metric, s]));

describe('SLA targets on a ticket', () => {
  it('a new ticket shows its first-response and resolution targets, due in business hours', () => {
    const { ticket } = run([first]);
    expect(ticket().sla).toEqual([
      {
        name: 'sms-standard',
        metric: 'first_response',
        due: '2026-03-02T09:00:00.000Z',
        breached: false,
        remainingMs: null,
      },
      {
        name: 'sms-standard',
        metric: 'resolution',
        due: '2026-03-02T16:00:00.000Z',
        breached: false,
        remainingMs: null,
      },
    ]);
  });

  it('a first response due outside the hours moves to the next open time (Friday 17:30 → Monday 09:30 Paris)', () => {
    const friday = (): InboundEventInput => message('2026-03-06T16:30:00.000Z', 'Vendredi', { id: `sla-fri-${++n}` });
    expect(sla(run([friday]).ticket()).first_response?.due).toBe('2026-03-09T08:30:00.000Z');
  });

  it('breaches exactly at the due time, not a millisecond before: warning at 80%, then tag and escalation', () => {
    const before = run([first], '2026-03-02T08:59:59.999Z');
    expect(before.commands.map((c) => [c.type, c.time])).toEqual([['ticket.tag.add', '2026-03-02T08:48:00.000Z']]);
    expect(sla(before.ticket()).first_response?.breached).toBe(false);
    const at = run([first], '2026-03-02T09:00:00.000Z');
    expect(at.commands.map((c) => [c.type, c.time, c.data.ruleId])).toEqual([
      ['ticket.tag.add', '2026-03-02T08:48:00.000Z', 'sla.sms-standard.first_response.warning'],
      ['ticket.tag.add', '2026-03-02T09:00:00.000Z', 'sla.sms-standard.first_response.breach'],
      ['ticket.assign', '2026-03-02T09:00:00.000Z', 'sla.sms-standard.first_response.breach'],
    ]);
    expect(at.ticket().tags).toEqual(['sla-breached', 'sla-warning']);
    expect(at.ticket().team).toBe('Escalation');
    expect(sla(at.ticket()).first_response).toMatchObject({ due: '2026-03-02T09:00:00.000Z', breached: true });
  });

  it('the commands carry the SLA targets as their decision left them: the warning before, the breach after', () => {
    const { commands } = run([first], '2026-03-02T09:00:00.000Z');
    const targets = (c: Command | undefined) =>
      Object.fromEntries((c?.data.ticket?.sla ?? []).map((s) => [s.metric, [s.due, s.breached]]));
    expect(targets(commands[0])).toEqual({
      first_response: ['2026-03-02T09:00:00.000Z', false],
      resolution: ['2026-03-02T16:00:00.000Z', false],
    });
    expect(targets(commands[1])).toEqual({
      first_response: ['2026-03-02T09:00:00.000Z', true],
      resolution: ['2026-03-02T16:00:00.000Z', false],
    });
    // The breach fired: its timer is no longer pending; the resolution's pair still is.
    expect(commands[1]!.data.ticket?.timers.map((t) => t.ruleId)).toEqual([
      'sla.sms-standard.resolution.warning',
      'sla.sms-standard.resolution.breach',
    ]);
  });

  it('an agent reply before the due time meets the response target: it leaves the list, nothing fires', () => {
    const { ticket, commands } = run(
      [first, (id) => reply('2026-03-02T08:40:00.000Z', id)],
      '2026-03-02T09:30:00.000Z',
    );
    expect(commands).toEqual([]);
    expect(sla(ticket()).first_response).toBeUndefined();
  });
});

describe('the resolution clock pauses while the ticket waits on the customer or is closed', () => {
  it('an agent reply pauses it with the business time left; the customer’s answer resumes it with that time', () => {
    const paused = run([first, (id) => reply('2026-03-02T10:00:00.000Z', id)]);
    expect(sla(paused.ticket()).resolution).toEqual({
      name: 'sms-standard',
      metric: 'resolution',
      due: null,
      breached: false,
      remainingMs: 6 * HOUR,
    });
    // Tuesday 14:00 Paris + 6 h of business time: 4 h on Tuesday, 2 h on Wednesday → Wednesday 11:00 Paris.
    const resumed = run([
      first,
      (id) => reply('2026-03-02T10:00:00.000Z', id),
      () => message('2026-03-03T13:00:00.000Z', 'Re', { id: `sla-re-${++n}` }),
    ]);
    const targets = sla(resumed.ticket());
    expect(targets.resolution).toMatchObject({ due: '2026-03-04T10:00:00.000Z', remainingMs: null });
    // The answer starts a next-response target (4 h: Tuesday 18:00 Paris).
    expect(targets.next_response).toMatchObject({ due: '2026-03-03T17:00:00.000Z', breached: false });
  });

  it('a close pauses it; a reopen restarts it with the time left (1 h used, 7 h left → Monday 18:00 Paris)', () => {
    const closed = run([first, (id) => close('2026-03-02T09:00:00.000Z', id)]);
    expect(sla(closed.ticket()).resolution).toMatchObject({ due: null, remainingMs: 7 * HOUR });
    // Nothing can fire while closed: the clock waits for the reopen.
    expect(closed.ticket().timers).toEqual([]);
    const reopened = run([
      first,
      (id) => close('2026-03-02T09:00:00.000Z', id),
      () => message('2026-03-02T10:00:00.000Z', 'Encore', { id: `sla-back-${++n}` }),
    ]);
    expect(reopened.ticket().reopenCount).toBe(1);
    expect(sla(reopened.ticket()).resolution).toMatchObject({ due: '2026-03-02T17:00:00.000Z', remainingMs: null });
  });

  it('a paused clock never breaches, however long the customer takes', () => {
    const { commands, ticket } = run(
      [first, (id) => reply('2026-03-02T08:30:00.000Z', id)],
      '2026-04-30T00:00:00.000Z',
    );
    expect(commands).toEqual([]);
    expect(sla(ticket()).resolution).toMatchObject({ breached: false, remainingMs: 7.5 * HOUR });
  });

  it('property: business time before the pause plus from the resume to the due time is the target', () => {
    const start = Date.parse('2026-03-02T08:00:00.000Z');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 * 60 - 1 }),
        fc.integer({ min: 1, max: 14 * 24 * 60 }),
        (pauseMin, waitMin) => {
          const pauseAt = new Date(start + pauseMin * 60_000).toISOString();
          const resumeAt = new Date(start + (pauseMin + waitMin) * 60_000).toISOString();
          const { ticket } = run([
            first,
            (id) => reply(pauseAt, id),
            () => message(resumeAt, 'Re', { id: `sla-p-${++n}` }),
          ]);
          const due = Date.parse(sla(ticket()).resolution!.due!);
          const used = businessTimeBetween(calendar, start, Date.parse(pauseAt));
          expect(used + businessTimeBetween(calendar, Date.parse(resumeAt), due)).toBe(8 * HOUR);
          expect(due).toBe(addBusinessTime(calendar, Date.parse(resumeAt), 8 * HOUR - used));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('SLA policies are checked when the rules file is read', () => {
  const issues = (input: RulesFileInput): string[] => {
    const parsed = RulesFile.safeParse(input);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  const policy = FILE.sla![0]!;

  it('an unknown calendar, a bad duration, a bad share, a duplicate name, a rule in the SLA namespace', () => {
    expect(issues({ ...FILE, sla: [{ ...policy, calendar: 'suport' }] })).toEqual([
      'sla.0.calendar: SLA sms-standard: unknown calendar suport',
    ]);
    expect(issues({ ...FILE, sla: [{ ...policy, targets: { resolution: '0h' } }] }).join()).toMatch(
      /^sla\.0\.targets\.resolution: expected a positive duration/,
    );
    expect(
      issues({ ...FILE, sla: [{ ...policy, warning: { at: '120%', then: [{ type: 'add_tag', tag: 'w' }] } }] }).join(),
    ).toMatch(/^sla\.0\.warning\.at/);
    expect(issues({ ...FILE, sla: [policy, policy] })).toEqual(['sla.1.name: duplicate SLA policy sms-standard']);
    expect(
      issues({
        ...FILE,
        rules: [{ id: 'sla.x', name: 'X', when: 'message.received', then: [{ type: 'close_ticket' }] }],
      }),
    ).toEqual(["rules.0.id: rule ids starting with sla. are the SLA policies' own"]);
  });

  it('a policy matches by channel and integration: an email ticket has no SLA under an SMS-only policy', () => {
    const mail = (): InboundEventInput =>
      message('2026-03-02T08:00:00.000Z', 'Mail', { id: `sla-mail-${++n}`, channel: 'email', integration: null });
    expect(run([mail]).ticket().sla).toBeUndefined();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyCustomerHistory } from '../customer/customer-history.js';
import { decide } from '../decide/decide.js';
import { MARIE, message } from '../decide/decider.test-support.js';
import { InboundEvent } from '../inbound/inbound-event.js';
import { RulesFile } from '../rules/rules-file.js';
import { DEFAULT_REOPEN_POLICY } from '../ticket/reopen-policy.js';
import { addBusinessTime, businessTimeBetween, Calendar, isOpen } from './business-hours.js';
import { inboundKey } from './ids.js';

const HOUR = 3_600_000;
const PARIS = Calendar.parse({
  zone: 'Europe/Paris',
  hours: {
    mon: ['09:00-18:00'],
    tue: ['09:00-18:00'],
    wed: ['09:00-12:30', '14:00-18:00'],
    thu: ['09:00-18:00'],
    fri: ['09:00-18:00'],
    sat: ['10:00-12:00'],
  },
  holidays: ['2026-04-06', '2026-11-01'],
});

/**
 * The test's own reference for Paris: UTC+2 from the last Sunday of March 01:00 UTC to the last
 * Sunday of October 01:00 UTC, else UTC+1 (the EU rule, written out here only to check Intl against).
 */
function parisOffset(ms: number): number {
  const year = new Date(ms).getUTCFullYear();
  const lastSunday = (month: number): number => {
    const last = new Date(Date.UTC(year, month + 1, 0));
    return Date.UTC(year, month, last.getUTCDate() - last.getUTCDay(), 1);
  };
  return ms >= lastSunday(2) && ms < lastSunday(9) ? 2 * HOUR : HOUR;
}

function referenceOpen(ms: number): boolean {
  const local = new Date(ms + parisOffset(ms));
  const date = local.toISOString().slice(0, 10);
  if (PARIS.holidays.includes(date)) return false;
  const day = (['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const)[local.getUTCDay()]!;
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  return (PARIS.hours[day] ?? []).some((interval) => {
    const [from, to] = interval.split('-').map((t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3)));
    return minute >= from! && minute < to!;
  });
}

describe('business hours: Europe/Paris across the DST changes', () => {
  const around = (iso: string) =>
    fc.integer({ min: Date.parse(iso) - 10 * 24 * HOUR, max: Date.parse(iso) + 10 * 24 * HOUR });

  it('an instant is inside the hours exactly when its local wall time is (March and October changes, holidays, split days)', () => {
    fc.assert(
      fc.property(
        fc.oneof(around('2026-03-29T01:00:00Z'), around('2026-10-25T01:00:00Z'), around('2027-03-28T01:00:00Z')),
        (ms) => {
          expect(isOpen(PARIS, ms)).toBe(referenceOpen(ms));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('opens at 09:00 local on both sides of each change: 08:00 UTC in winter, 07:00 UTC in summer', () => {
    expect(isOpen(PARIS, Date.parse('2026-03-27T07:59:59Z'))).toBe(false);
    expect(isOpen(PARIS, Date.parse('2026-03-27T08:00:00Z'))).toBe(true);
    expect(isOpen(PARIS, Date.parse('2026-03-30T06:59:59Z'))).toBe(false);
    expect(isOpen(PARIS, Date.parse('2026-03-30T07:00:00Z'))).toBe(true);
    expect(isOpen(PARIS, Date.parse('2026-10-23T07:00:00Z'))).toBe(true);
    expect(isOpen(PARIS, Date.parse('2026-10-26T07:00:00Z'))).toBe(false);
    expect(isOpen(PARIS, Date.parse('2026-10-26T08:00:00Z'))).toBe(true);
    // Easter Monday is a holiday; Wednesday closes for lunch.
    expect(isOpen(PARIS, Date.parse('2026-04-06T10:00:00Z'))).toBe(false);
    expect(isOpen(PARIS, Date.parse('2026-04-08T11:00:00Z'))).toBe(false);
  });

  it('refuses an unknown zone and an impossible interval when the file is read', () => {
    const issues = (calendar: unknown): string[] => {
      const parsed = Calendar.safeParse(calendar);
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ zone: 'Europe/Pariss', hours: {} })).toEqual(['zone: unknown IANA time zone']);
    expect(issues({ zone: 'Europe/Paris', hours: { mon: ['18:00-09:00'] } })).toEqual([
      'hours.mon.0: expected HH:MM-HH:MM with the start before the end',
    ]);
  });
});

describe('the condition calendar.<name>.open', () => {
  const rules = RulesFile.parse({
    calendars: { support: PARIS },
    rules: [
      {
        id: 'in-hours',
        name: 'In hours',
        when: 'message.received',
        if: { all: [{ field: 'calendar.support.open', op: 'eq', value: true }] },
        then: [{ type: 'send_auto_reply', body: 'Nous revenons vers vous sous peu.' }],
      },
      {
        id: 'out-of-office',
        name: 'Out of office',
        when: 'message.received',
        if: { all: [{ field: 'calendar.support.open', op: 'eq', value: false }] },
        then: [{ type: 'send_auto_reply', body: 'Nos bureaux sont fermés ; nous vous répondrons dès l’ouverture.' }],
      },
    ],
  });
  const firedBy = (time: string): string[] => {
    const event = InboundEvent.parse(message(time, 'Bonjour'));
    const decision = decide(inboundKey(event.source, event.id), event, {
      customer: emptyCustomerHistory(MARIE.id),
      tickets: new Map(),
      rules,
      policy: DEFAULT_REOPEN_POLICY,
    });
    return decision.outcome === 'accepted' ? decision.commands.map((c) => c.data.ruleId) : [];
  };

  it('tells whether the trigger’s event time falls inside the calendar’s hours: the out-of-office variant of the auto-reply', () => {
    expect(firedBy('2026-03-30T07:30:00Z')).toEqual(['in-hours']);
    expect(firedBy('2026-03-30T06:30:00Z')).toEqual(['out-of-office']);
    expect(firedBy('2026-04-04T12:00:00Z')).toEqual(['out-of-office']);
  });

  it('a condition on a calendar the file does not define is refused, naming the rule and the field', () => {
    const parsed = RulesFile.safeParse({
      rules: [
        {
          id: 'ooo',
          name: 'OOO',
          when: 'message.received',
          if: { all: [{ field: 'calendar.weekend.open', op: 'eq', value: false }] },
          then: [{ type: 'add_tag', tag: 'x' }],
        },
      ],
    });
    expect(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'rules.0.if.all.0.field: rule ooo: unknown calendar weekend (calendars: none)',
    ]);
  });
});

describe('durations counted in business hours (Europe/Paris, DST changes, holidays)', () => {
  const instants = fc.integer({ min: Date.parse('2026-02-01T00:00:00Z'), max: Date.parse('2026-11-30T00:00:00Z') });
  const durations = fc.integer({ min: 1, max: 60 * HOUR });

  it('a business duration added to an instant is counted back exactly between the two', () => {
    fc.assert(
      fc.property(instants, durations, (from, duration) => {
        const due = addBusinessTime(PARIS, from, duration);
        expect(due).toBeGreaterThan(from);
        expect(businessTimeBetween(PARIS, from, due)).toBe(duration);
      }),
      { numRuns: 500 },
    );
  });

  it('a due time is never inside closed hours: the last millisecond counted was open', () => {
    fc.assert(
      fc.property(instants, durations, (from, duration) => {
        expect(isOpen(PARIS, addBusinessTime(PARIS, from, duration) - 1)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('4 business hours from Friday 17:00 across a change: 1 h Friday, 2 h Saturday morning, 1 h Monday at the new offset', () => {
    // March: Saturday 10:00-12:00 is 09:00-11:00 UTC (winter), Monday 09:00-10:00 is 07:00-08:00 UTC (summer).
    expect(new Date(addBusinessTime(PARIS, Date.parse('2026-03-27T16:00:00Z'), 4 * HOUR)).toISOString()).toBe(
      '2026-03-30T08:00:00.000Z',
    );
    // October: Saturday 10:00-12:00 is 08:00-10:00 UTC (summer), Monday 09:00-10:00 is 08:00-09:00 UTC (winter).
    expect(new Date(addBusinessTime(PARIS, Date.parse('2026-10-23T15:00:00Z'), 4 * HOUR)).toISOString()).toBe(
      '2026-10-26T09:00:00.000Z',
    );
  });
});

describe('a timer counted in business hours', () => {
  it('is due after `after` of open time in its calendar, not of wall time', () => {
    const rules = RulesFile.parse({
      calendars: { support: PARIS },
      rules: [
        {
          id: 'sla-first-response',
          name: 'First response within 4 business hours',
          when: { after: '4h', since: 'customer_message', calendar: 'support' },
          then: [{ type: 'add_tag', tag: 'sla-breached' }],
        },
      ],
    });
    const event = InboundEvent.parse(message('2026-03-27T16:00:00Z', 'Bonjour'));
    const decision = decide(inboundKey(event.source, event.id), event, {
      customer: emptyCustomerHistory(MARIE.id),
      tickets: new Map(),
      rules,
      policy: DEFAULT_REOPEN_POLICY,
    });
    expect(decision.outcome === 'accepted' ? decision.ticket?.state.timers?.map((t) => t.dueAt) : null).toEqual([
      '2026-03-30T08:00:00.000Z',
    ]);
  });

  it('an unknown or never-open calendar is refused when the rules are read, naming the rule and the field', () => {
    const issues = (calendars: Record<string, unknown>): string[] => {
      const parsed = RulesFile.safeParse({
        calendars,
        rules: [
          {
            id: 'sla',
            name: 'SLA',
            when: { after: '4h', since: 'customer_message', calendar: 'support' },
            then: [{ type: 'add_tag', tag: 'x' }],
          },
        ],
      });
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({})).toEqual(['rules.0.when.calendar: rule sla: unknown calendar support']);
    expect(issues({ support: { zone: 'Europe/Paris', hours: {} } })).toEqual([
      'rules.0.when.calendar: rule sla: calendar support has no opening hours: the timer could never fall due',
    ]);
  });
});

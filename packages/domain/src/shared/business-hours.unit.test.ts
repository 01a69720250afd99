import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyCustomerHistory } from '../customer/customer-history.js';
import { decide } from '../decide/decide.js';
import { MARIE, message } from '../decide/decider.test-support.js';
import { InboundEvent } from '../inbound/inbound-event.js';
import { RulesFile } from '../rules/rules-file.js';
import { DEFAULT_REOPEN_POLICY } from '../ticket/reopen-policy.js';
import { Calendar, isOpen } from './business-hours.js';
import { inboundKey } from './ids.js';

const HOUR = 3_600_000;
const PARIS = Calendar.parse({
  zone: 'Europe/Paris',
  hours: { mon: ['09:00-18:00'], tue: ['09:00-18:00'], wed: ['09:00-12:30', '14:00-18:00'], thu: ['09:00-18:00'], fri: ['09:00-18:00'], sat: ['10:00-12:00'] },
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
  const around = (iso: string) => fc.integer({ min: Date.parse(iso) - 10 * 24 * HOUR, max: Date.parse(iso) + 10 * 24 * HOUR });

  it('an instant is inside the hours exactly when its local wall time is (March and October changes, holidays, split days)', () => {
    fc.assert(
      fc.property(fc.oneof(around('2026-03-29T01:00:00Z'), around('2026-10-25T01:00:00Z'), around('2027-03-28T01:00:00Z')), (ms) => {
        expect(isOpen(PARIS, ms)).toBe(referenceOpen(ms));
      }),
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
    expect(issues({ zone: 'Europe/Paris', hours: { mon: ['18:00-09:00'] } })).toEqual(['hours.mon.0: expected HH:MM-HH:MM with the start before the end']);
  });
});

describe('the condition calendar.<name>.open', () => {
  const rules = RulesFile.parse({
    calendars: { support: PARIS },
    rules: [
      { id: 'in-hours', name: 'In hours', when: 'message.received', if: { all: [{ field: 'calendar.support.open', op: 'eq', value: true }] }, then: [{ type: 'send_auto_reply', body: 'Nous revenons vers vous sous peu.' }] },
      { id: 'out-of-office', name: 'Out of office', when: 'message.received', if: { all: [{ field: 'calendar.support.open', op: 'eq', value: false }] }, then: [{ type: 'send_auto_reply', body: 'Nos bureaux sont fermés ; nous vous répondrons dès l’ouverture.' }] },
    ],
  });
  const firedBy = (time: string): string[] => {
    const event = InboundEvent.parse(message(time, 'Bonjour'));
    const decision = decide(inboundKey(event.source, event.id), event, { customer: emptyCustomerHistory(MARIE.id), tickets: new Map(), rules, policy: DEFAULT_REOPEN_POLICY });
    return decision.outcome === 'accepted' ? decision.commands.map((c) => c.data.ruleId) : [];
  };

  it('tells whether the trigger’s event time falls inside the calendar’s hours: the out-of-office variant of the auto-reply', () => {
    expect(firedBy('2026-03-30T07:30:00Z')).toEqual(['in-hours']);
    expect(firedBy('2026-03-30T06:30:00Z')).toEqual(['out-of-office']);
    expect(firedBy('2026-04-04T12:00:00Z')).toEqual(['out-of-office']);
  });

  it('a condition on a calendar the file does not define is refused, naming the rule and the field', () => {
    const parsed = RulesFile.safeParse({
      rules: [{ id: 'ooo', name: 'OOO', when: 'message.received', if: { all: [{ field: 'calendar.weekend.open', op: 'eq', value: false }] }, then: [{ type: 'add_tag', tag: 'x' }] }],
    });
    expect(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'rules.0.if.all.0.field: rule ooo: unknown calendar weekend (calendars: none)',
    ]);
  });
});

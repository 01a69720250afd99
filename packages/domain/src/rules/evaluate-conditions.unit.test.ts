import { describe, expect, it } from 'vitest';
import type { TicketState } from '../ticket/ticket-state.js';
import { evaluateConditions } from './evaluate-conditions.js';
import type { RuleContext } from './rule-context.js';
import { ConditionGroup } from './rules-file.js';
import { aTicketState } from '../ticket/ticket-state.test-support.js';

/** Her subject is upper-cased here: `contains` compares case-insensitively. */
const aTicket = (overrides: Partial<TicketState> = {}): TicketState =>
  aTicketState({
    customer: { id: 'cus_1', name: 'Élodie Dupont', phone: '+33600000001' },
    subject: 'SMS from ÉLODIE DUPONT',
    tags: ['billing', 'vip'],
    ...overrides,
  });

function aContext(overrides: Partial<RuleContext> = {}): RuleContext {
  const ticket = overrides.ticket ?? aTicket();
  return {
    previous: aTicket({ status: 'closed', closedAt: '2025-03-01T09:30:00.000Z', reopenCount: 0 }),
    ticket,
    customer: ticket.customer,
    message: { body: 'Merci !', intent: 'gratitude', channel: 'sms' },
    ...overrides,
  };
}

/** Parses the group like a rules file would, then evaluates it. */
const evaluate = (group: unknown, ctx: RuleContext = aContext()) =>
  evaluateConditions(ConditionGroup.parse(group), ctx);
/** Whether one condition holds. */
const holds = (condition: unknown, ctx?: RuleContext): boolean => evaluate({ all: [condition] }, ctx).passed;

describe('evaluateConditions', () => {
  describe('eq / neq', () => {
    it('Given an sms ticket, ticket.channel eq sms holds and eq email does not', () => {
      expect(holds({ field: 'ticket.channel', op: 'eq', value: 'sms' })).toBe(true);
      expect(holds({ field: 'ticket.channel', op: 'eq', value: 'email' })).toBe(false);
    });

    it('compares strictly: the number 1 is not the string "1"', () => {
      expect(holds({ field: 'ticket.reopenCount', op: 'eq', value: 1 })).toBe(true);
      expect(holds({ field: 'ticket.reopenCount', op: 'eq', value: '1' })).toBe(false);
    });

    it('compares lists by their elements, whatever the order', () => {
      const ctx = aContext({ previous: aTicket({ tags: ['vip', 'billing'] }) });
      expect(holds({ field: 'ticket.tags', op: 'eq', valueFrom: 'previous.tags' }, ctx)).toBe(true);
      expect(holds({ field: 'ticket.tags', op: 'neq', valueFrom: 'previous.tags' }, ctx)).toBe(false);
      const changed = aContext({ previous: aTicket({ tags: ['vip'] }) });
      expect(holds({ field: 'ticket.tags', op: 'eq', valueFrom: 'previous.tags' }, changed)).toBe(false);
    });

    it('two lists are equal when each holds every element of the other, repeats aside', () => {
      const tags = (ticketTags: string[], previousTags: string[]) =>
        aContext({ ticket: aTicket({ tags: ticketTags }), previous: aTicket({ tags: previousTags }) });
      const sameTags = { field: 'ticket.tags', op: 'eq', valueFrom: 'previous.tags' };
      expect(holds(sameTags, tags(['vip', 'billing'], ['vip']))).toBe(false);
      expect(holds(sameTags, tags(['vip'], ['vip', 'billing']))).toBe(false);
      expect(holds(sameTags, tags(['vip', 'urgent'], ['vip', 'billing']))).toBe(false);
      expect(holds(sameTags, tags(['vip', 'vip'], ['vip']))).toBe(true);
      expect(holds({ field: 'ticket.tags', op: 'eq', value: ['vip', 'vip', 'billing'] })).toBe(true);
    });

    it('a list never equals a single value, not even its only element', () => {
      const ctx = aContext({ ticket: aTicket({ tags: ['v'] }) });
      expect(holds({ field: 'ticket.tags', op: 'eq', value: 'v' }, ctx)).toBe(false);
      expect(holds({ field: 'ticket.tags', op: 'neq', value: 'v' }, ctx)).toBe(true);
      const body = aContext({ message: { body: 'v', intent: 'other', channel: 'sms' } });
      expect(holds({ field: 'message.body', op: 'eq', value: ['v'] }, body)).toBe(false);
    });

    it('null is a value: an unassigned ticket has team eq null', () => {
      expect(holds({ field: 'ticket.team', op: 'eq', value: null })).toBe(true);
      expect(holds({ field: 'ticket.team', op: 'neq', value: 'SMS Support' })).toBe(true);
    });

    it('an absent field equals nothing, so neq holds', () => {
      const ctx = aContext({ message: null });
      expect(holds({ field: 'message.intent', op: 'eq', value: 'gratitude' }, ctx)).toBe(false);
      expect(holds({ field: 'message.intent', op: 'neq', value: 'gratitude' }, ctx)).toBe(true);
    });
  });

  describe('in', () => {
    it('holds when the value is one of the list', () => {
      expect(holds({ field: 'ticket.channel', op: 'in', value: ['sms', 'whatsapp'] })).toBe(true);
      expect(holds({ field: 'ticket.channel', op: 'in', value: ['email', 'chat'] })).toBe(false);
    });

    it('on a list field, holds when any element is in the list', () => {
      expect(holds({ field: 'ticket.tags', op: 'in', value: ['urgent', 'vip'] })).toBe(true);
      expect(holds({ field: 'ticket.tags', op: 'in', value: ['urgent'] })).toBe(false);
    });

    it('an absent field is in no list; null is in a list that names it', () => {
      expect(holds({ field: 'message.intent', op: 'in', value: ['gratitude'] }, aContext({ message: null }))).toBe(
        false,
      );
      expect(holds({ field: 'ticket.team', op: 'in', value: [null, 'Billing'] })).toBe(true);
    });

    it('with valueFrom, a single value is compared like a one-element list', () => {
      const ctx = aContext({ ticket: aTicket({ team: 'Billing' }), previous: aTicket({ team: 'Billing' }) });
      expect(holds({ field: 'ticket.team', op: 'in', valueFrom: 'previous.team' }, ctx)).toBe(true);
      expect(
        holds(
          { field: 'ticket.team', op: 'in', valueFrom: 'previous.team' },
          aContext({ ticket: aTicket({ team: 'Sales' }), previous: aTicket({ team: 'Billing' }) }),
        ),
      ).toBe(false);
    });
  });

  describe('contains / not_contains', () => {
    it('a list contains an element exactly (tags are identifiers)', () => {
      expect(holds({ field: 'ticket.tags', op: 'contains', value: 'vip' })).toBe(true);
      expect(holds({ field: 'ticket.tags', op: 'contains', value: 'VIP' })).toBe(false);
      expect(holds({ field: 'ticket.tags', op: 'not_contains', value: 'reopened-sms-handled' })).toBe(true);
      expect(holds({ field: 'ticket.tags', op: 'not_contains', value: 'vip' })).toBe(false);
    });

    it('a text contains a substring whatever its case', () => {
      expect(holds({ field: 'ticket.subject', op: 'contains', value: 'élodie' })).toBe(true);
      expect(holds({ field: 'message.body', op: 'contains', value: 'MERCI' })).toBe(true);
      expect(holds({ field: 'message.body', op: 'contains', value: 'commande' })).toBe(false);
      expect(holds({ field: 'message.body', op: 'not_contains', value: 'commande' })).toBe(true);
    });

    it('composed and decomposed accents are the same text', () => {
      const ctx = aContext({ ticket: aTicket({ subject: 'SMS from E\u0301lodie' }) });
      expect(holds({ field: 'ticket.subject', op: 'contains', value: '\u00e9lodie' }, ctx)).toBe(true);
    });

    it('an absent field contains nothing', () => {
      const ctx = aContext({ message: null });
      expect(holds({ field: 'message.body', op: 'contains', value: 'merci' }, ctx)).toBe(false);
      expect(holds({ field: 'message.body', op: 'not_contains', value: 'merci' }, ctx)).toBe(true);
    });

    it('a text contains a number written in it; true, false and null are not words to look for', () => {
      const ctx = aContext({ message: { body: 'commande 1234 : null, true', intent: 'other', channel: 'sms' } });
      expect(holds({ field: 'message.body', op: 'contains', value: 1234 }, ctx)).toBe(true);
      expect(holds({ field: 'message.body', op: 'contains', value: 999 }, ctx)).toBe(false);
      expect(holds({ field: 'message.body', op: 'contains', value: null }, ctx)).toBe(false);
      expect(holds({ field: 'message.body', op: 'contains', value: true }, ctx)).toBe(false);
    });
  });

  describe('matches', () => {
    it('tests a regular expression, case-insensitive and Unicode-aware', () => {
      expect(holds({ field: 'message.body', op: 'matches', value: '^merci\\s*!?$' })).toBe(true);
      expect(holds({ field: 'ticket.subject', op: 'matches', value: '\\p{Lu}lodie' })).toBe(true);
      expect(holds({ field: 'message.body', op: 'matches', value: '^bonjour' })).toBe(false);
    });

    it('on a list field, holds when any element matches', () => {
      expect(holds({ field: 'ticket.tags', op: 'matches', value: '^bill' })).toBe(true);
    });

    it('an absent field matches nothing', () => {
      expect(holds({ field: 'message.body', op: 'matches', value: '.*' }, aContext({ message: null }))).toBe(false);
    });

    it('a pattern that is not text, or not a valid expression, matches nothing (valueFrom can read either)', () => {
      const ctx = aContext({
        ticket: aTicket({ subject: 'SMS 1 from (Élodie' }),
        customer: { id: 'cus_1', name: '(Élodie' },
      });
      expect(holds({ field: 'ticket.subject', op: 'matches', value: 1 }, ctx)).toBe(false);
      expect(holds({ field: 'ticket.subject', op: 'matches', valueFrom: 'ticket.reopenCount' }, ctx)).toBe(false);
      expect(holds({ field: 'ticket.subject', op: 'matches', valueFrom: 'customer.name' }, ctx)).toBe(false);
      expect(holds({ field: 'ticket.subject', op: 'contains', valueFrom: 'customer.name' }, ctx)).toBe(true);
    });
  });

  describe('exists / not_exists', () => {
    it('a field with a value exists', () => {
      expect(holds({ field: 'customer.phone', op: 'exists' })).toBe(true);
      expect(holds({ field: 'customer.phone', op: 'not_exists' })).toBe(false);
    });

    it('null and absent both count as not existing', () => {
      expect(holds({ field: 'ticket.followUpOf', op: 'exists' })).toBe(false);
      expect(holds({ field: 'ticket.followUpOf', op: 'not_exists' })).toBe(true);
      expect(holds({ field: 'customer.email', op: 'not_exists' })).toBe(true);
    });

    it('a value or valueFrom given with exists is ignored: an absent reference does not fail it, and it is not recorded', () => {
      const nameless = aContext({ customer: { id: 'cus_1' } });
      expect(holds({ field: 'ticket.subject', op: 'exists', valueFrom: 'customer.name' }, nameless)).toBe(true);
      expect(holds({ field: 'ticket.followUpOf', op: 'not_exists', valueFrom: 'customer.name' }, nameless)).toBe(true);
      const result = evaluate({ all: [{ field: 'ticket.subject', op: 'exists', value: 'ignored' }] });
      expect(result.outcomes).toStrictEqual([
        { path: 'all[0]', field: 'ticket.subject', op: 'exists', actual: 'SMS from ÉLODIE DUPONT', passed: true },
      ]);
    });
  });

  describe('gt / lt', () => {
    it('compares numbers', () => {
      expect(holds({ field: 'ticket.messageCount', op: 'gt', value: 2 })).toBe(true);
      expect(holds({ field: 'ticket.messageCount', op: 'gt', value: 3 })).toBe(false);
      expect(holds({ field: 'ticket.reopenCount', op: 'lt', value: 2 })).toBe(true);
      expect(holds({ field: 'ticket.reopenCount', op: 'lt', valueFrom: 'previous.reopenCount' })).toBe(false);
    });

    it('is strict: an equal number or instant is neither greater nor less', () => {
      expect(holds({ field: 'ticket.reopenCount', op: 'lt', value: 1 })).toBe(false);
      expect(holds({ field: 'ticket.reopenCount', op: 'gt', value: 1 })).toBe(false);
      expect(holds({ field: 'ticket.reopenCount', op: 'lt', value: 1.5 })).toBe(true);
      expect(holds({ field: 'ticket.reopenCount', op: 'gt', value: 0.5 })).toBe(true);
      const ctx = aContext({ ticket: aTicket({ subject: '2025-03-01T10:00:00.000Z' }) });
      expect(holds({ field: 'ticket.subject', op: 'lt', value: '2025-03-01T11:00:00+01:00' }, ctx)).toBe(false);
      expect(holds({ field: 'ticket.subject', op: 'gt', value: '2025-03-01T11:00:00+01:00' }, ctx)).toBe(false);
    });

    it('compares ISO times as instants, whatever their offset', () => {
      const ctx = aContext({ ticket: aTicket({ subject: '2025-03-01T10:00:00.000Z' }) });
      expect(holds({ field: 'ticket.subject', op: 'lt', value: '2025-03-01T11:30:00+01:00' }, ctx)).toBe(true);
      expect(holds({ field: 'ticket.subject', op: 'gt', value: '2025-03-01T10:30:00+01:00' }, ctx)).toBe(true);
    });

    it('does not order text that is neither a number nor a time', () => {
      expect(holds({ field: 'ticket.subject', op: 'gt', value: 'A' })).toBe(false);
      expect(holds({ field: 'ticket.subject', op: 'lt', value: 'z' })).toBe(false);
      expect(holds({ field: 'ticket.reopenCount', op: 'gt', value: '0' })).toBe(false);
    });

    it('a time without seconds, or with a fraction of a second, is a time too', () => {
      const ctx = aContext({ ticket: aTicket({ subject: '2025-03-01T10:00Z' }) });
      expect(holds({ field: 'ticket.subject', op: 'lt', value: '2025-03-01T10:00:00.001Z' }, ctx)).toBe(true);
      expect(holds({ field: 'ticket.subject', op: 'gt', value: '2025-03-01T09:59:59.999+00:00' }, ctx)).toBe(true);
    });

    it('only full ISO date-times are times: a date alone, a time Date cannot place, or a list holding a time is not ordered', () => {
      const subject = (text: string) => aContext({ ticket: aTicket({ subject: text }) });
      expect(holds({ field: 'ticket.subject', op: 'lt', value: '2025-03-02T00:00:00Z' }, subject('2025-03-01'))).toBe(
        false,
      );
      expect(holds({ field: 'ticket.subject', op: 'lt', value: '2025-03-02T00:00:00Z' }, subject('1 March 2025'))).toBe(
        false,
      );
      expect(
        holds({ field: 'ticket.subject', op: 'lt', value: '2025-03-02T00:00:00Z' }, subject('2025-13-01T00:00:00Z')),
      ).toBe(false);
      expect(
        holds({ field: 'ticket.subject', op: 'gt', value: '2025-03-02T00:00:00Z' }, subject('2025-13-01T00:00:00Z')),
      ).toBe(false);
      const listed = aContext({ ticket: aTicket({ tags: ['2025-03-01T00:00:00Z'] }) });
      expect(holds({ field: 'ticket.tags', op: 'lt', value: '2025-03-02T00:00:00Z' }, listed)).toBe(false);
      expect(holds({ field: 'ticket.tags', op: 'gt', value: '2025-02-01T00:00:00Z' }, listed)).toBe(false);
    });
  });

  describe('valueFrom', () => {
    it('Given a subject with the customer name in capitals, subject contains customer.name holds and records the name', () => {
      const result = evaluate({ all: [{ field: 'ticket.subject', op: 'contains', valueFrom: 'customer.name' }] });
      expect(result.passed).toBe(true);
      expect(result.outcomes).toEqual([
        {
          path: 'all[0]',
          field: 'ticket.subject',
          op: 'contains',
          expected: 'Élodie Dupont',
          valueFrom: 'customer.name',
          actual: 'SMS from ÉLODIE DUPONT',
          passed: true,
        },
      ]);
    });

    it('reads ticket.customer.* from the ticket and customer.* from the context customer', () => {
      const ctx = aContext({ customer: { id: 'cus_1', name: 'Someone Else' } });
      expect(holds({ field: 'ticket.subject', op: 'contains', valueFrom: 'ticket.customer.name' }, ctx)).toBe(true);
      expect(holds({ field: 'ticket.subject', op: 'contains', valueFrom: 'customer.name' }, ctx)).toBe(false);
    });

    it('Given a customer without a name, any comparison with customer.name fails, even not_contains and neq', () => {
      const ticket = aTicket({ customer: { id: 'cus_1' } });
      const ctx = aContext({ ticket, customer: ticket.customer });
      expect(holds({ field: 'ticket.subject', op: 'contains', valueFrom: 'customer.name' }, ctx)).toBe(false);
      expect(holds({ field: 'ticket.subject', op: 'not_contains', valueFrom: 'customer.name' }, ctx)).toBe(false);
      expect(holds({ field: 'ticket.subject', op: 'neq', valueFrom: 'customer.name' }, ctx)).toBe(false);
    });

    it('a null reference is a value', () => {
      expect(holds({ field: 'ticket.team', op: 'eq', valueFrom: 'previous.team' })).toBe(true);
    });
  });

  describe('previous.*', () => {
    const wasClosed = { field: 'previous.status', op: 'eq', value: 'closed' };

    it('Given a ticket that was closed before the message, previous.status eq closed holds', () => {
      expect(holds(wasClosed)).toBe(true);
    });

    it('Given a ticket that was already open, previous.status eq closed fails', () => {
      expect(holds(wasClosed, aContext({ previous: aTicket() }))).toBe(false);
    });

    it('Given a ticket the event created, every previous field is absent', () => {
      const ctx = aContext({ previous: null });
      const result = evaluate(
        {
          all: [
            wasClosed,
            { field: 'previous.status', op: 'not_exists' },
            { field: 'previous.customer.id', op: 'not_exists' },
          ],
        },
        ctx,
      );
      expect(result.passed).toBe(false);
      expect(result.outcomes.map((o) => o.passed)).toEqual([false, true, true]);
      expect(result.outcomes[0]).not.toHaveProperty('actual');
    });
  });

  describe('groups', () => {
    it('no conditions at all always pass', () => {
      expect(evaluateConditions(undefined, aContext())).toEqual({ passed: true, outcomes: [] });
      expect(evaluate({ all: [] }).passed).toBe(true);
    });

    it('all needs every condition, any needs one, and when both are given both must hold', () => {
      const yes = { field: 'ticket.channel', op: 'eq', value: 'sms' };
      const no = { field: 'ticket.channel', op: 'eq', value: 'email' };
      expect(evaluate({ all: [yes, no] }).passed).toBe(false);
      expect(evaluate({ any: [no, yes] }).passed).toBe(true);
      expect(evaluate({ any: [no, no] }).passed).toBe(false);
      expect(evaluate({ all: [yes], any: [no, yes] }).passed).toBe(true);
      expect(evaluate({ all: [no], any: [yes] }).passed).toBe(false);
      expect(evaluate({ all: [yes], any: [no] }).passed).toBe(false);
    });

    it('evaluates every condition of a nested tree and names each by its path', () => {
      const result = evaluate({
        all: [
          { field: 'ticket.channel', op: 'eq', value: 'email' },
          {
            any: [
              { field: 'message.intent', op: 'eq', value: 'other' },
              { all: [{ field: 'ticket.tags', op: 'contains', value: 'vip' }] },
            ],
          },
        ],
        any: [{ field: 'customer.name', op: 'exists' }],
      });
      expect(result.passed).toBe(false);
      expect(result.outcomes.map((o) => [o.path, o.passed])).toEqual([
        ['all[0]', false],
        ['all[1].any[0]', false],
        ['all[1].any[1].all[0]', true],
        ['any[0]', true],
      ]);
    });

    it('records what was compared, leaving absent values out', () => {
      const result = evaluate({ all: [{ field: 'message.body', op: 'exists' }] }, aContext({ message: null }));
      expect(result.outcomes).toEqual([{ path: 'all[0]', field: 'message.body', op: 'exists', passed: false }]);
    });

    it('records the literal compared with and no valueFrom; with valueFrom, the value read and where from', () => {
      expect(evaluate({ all: [{ field: 'ticket.channel', op: 'eq', value: 'sms' }] }).outcomes).toStrictEqual([
        { path: 'all[0]', field: 'ticket.channel', op: 'eq', expected: 'sms', actual: 'sms', passed: true },
      ]);
      const nameless = aContext({ customer: { id: 'cus_1' } });
      expect(
        evaluate({ all: [{ field: 'ticket.subject', op: 'contains', valueFrom: 'customer.name' }] }, nameless).outcomes,
      ).toStrictEqual([
        {
          path: 'all[0]',
          field: 'ticket.subject',
          op: 'contains',
          valueFrom: 'customer.name',
          actual: 'SMS from ÉLODIE DUPONT',
          passed: false,
        },
      ]);
    });

    it("records a copy of a list read, never the working ticket's own array", () => {
      const ticket = aTicket({ tags: ['vip'] });
      const [outcome] = evaluate(
        { all: [{ field: 'ticket.tags', op: 'eq', valueFrom: 'ticket.tags' }] },
        aContext({ ticket }),
      ).outcomes;
      expect(outcome).toMatchObject({ expected: ['vip'], actual: ['vip'], passed: true });
      expect(outcome?.actual).not.toBe(ticket.tags);
      expect(outcome?.expected).not.toBe(ticket.tags);
    });
  });

  it('an operator the rules schema does not know is a programming error, named in the message', () => {
    const group = { all: [{ field: 'ticket.channel', op: 'roughly', value: 'sms' }] } as unknown as ConditionGroup;
    expect(() => evaluateConditions(group, aContext())).toThrow('unknown operator roughly');
  });
});

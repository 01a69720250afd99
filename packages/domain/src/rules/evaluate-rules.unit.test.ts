import { describe, expect, it } from 'vitest';
import { Command } from '../commands/command.js';
import { CustomerEvent } from '../customer/customer-events.js';
import { initialCustomerState, type CustomerState } from '../customer/customer-state.js';
import type { Channel } from '../inbound/channel.js';
import { commandId } from '../shared/ids.js';
import { fromMillis, toMillis } from '../shared/time.js';
import { DEFAULT_REOPEN_POLICY } from '../ticket/reopen-policy.js';
import { RulesEvaluated, TicketEvent } from '../ticket/ticket-events.js';
import type { TicketState } from '../ticket/ticket-state.js';
import { DEFAULT_RULES } from './default-rules.js';
import { aTicketState } from '../ticket/ticket-state.test-support.js';
import { evaluateRules, type RuleTriggerDecision, type RuleTriggerInput } from './evaluate-rules.js';
import { RulesFile, type RuleInput, type RulesFileInput } from './rules-file.js';

// Fixed event times: the decision must depend on them only, never on the clock.
const CREATED_AT = '2025-03-01T09:00:00.000Z';
const CLOSED_AT = '2025-03-01T12:00:00.000Z';
const AT = '2025-03-02T10:00:00.000Z';
const minutesBefore = (time: string, minutes: number, seconds = 0): string =>
  fromMillis(toMillis(time) - minutes * 60_000 - seconds * 1_000);

const SEED_REPLY = 'Merci pour votre suivi ! Nous avons bien reçu votre message et nous reviendrons vers vous sous peu';

/** An SMS ticket (Postscript) of Élodie Dupont, just reopened by her message. */
const aTicket = (overrides: Partial<TicketState> = {}): TicketState =>
  aTicketState({ createdAt: CREATED_AT, lastMessageAt: AT, version: 6, ...overrides });

/** The same ticket before the message: closed. */
const closedBefore = (overrides: Partial<TicketState> = {}): TicketState =>
  aTicket({
    status: 'closed',
    closedAt: CLOSED_AT,
    reopenDeadline: '2025-03-02T12:00:00.000Z',
    reopenWindow: { duration: '24h', ms: 86_400_000, source: 'integration', key: 'postscript' },
    reopenCount: 0,
    messageCount: 2,
    version: 4,
    ...overrides,
  });

const rulesOf = (rules: RuleInput[], settings: Omit<RulesFileInput, 'rules'> = {}): RulesFile =>
  RulesFile.parse({ rules, ...settings });

const aRule = (overrides: Partial<RuleInput> & Pick<RuleInput, 'id' | 'then'>): RuleInput => ({
  name: overrides.id,
  when: 'message.received',
  ...overrides,
});

const aCustomer = (overrides: Partial<CustomerState> = {}): CustomerState => ({
  ...initialCustomerState('cus_1'),
  ...overrides,
});

function anInput(overrides: Partial<RuleTriggerInput> = {}): RuleTriggerInput {
  return {
    trigger: 'message.received',
    event: { id: 'ev_msg', version: 6, at: AT, correlationId: 'in_msg' },
    previous: closedBefore(),
    ticket: aTicket(),
    message: { body: "Bonjour, ma commande n'est toujours pas arrivée", intent: 'other', channel: 'sms' },
    customer: aCustomer(),
    rules: DEFAULT_RULES,
    policy: DEFAULT_REOPEN_POLICY,
    ...overrides,
  };
}

const outcomes = (decision: RuleTriggerDecision) => decision.evaluated.evaluations.map((e) => [e.ruleId, e.outcome]);
const commandTypes = (decision: RuleTriggerDecision) => decision.commands.map((c) => c.type);
const actionOutcomes = (decision: RuleTriggerDecision, ruleIndex = 0) =>
  decision.evaluated.evaluations[ruleIndex]?.actions.map((a) => [a.type, a.status, a.reason]);

const autoReply = (id: string, overrides: Partial<RuleInput> = {}): RuleInput =>
  aRule({ id, then: [{ type: 'send_auto_reply', body: 'Bien reçu, {{customer.name}}' }], ...overrides });

describe('evaluateRules', () => {
  describe('which rules run', () => {
    it('considers only the rules of this trigger, in file order', () => {
      const rules = rulesOf([
        aRule({ id: 'b', then: [{ type: 'add_tag', tag: 'b' }] }),
        aRule({ id: 'created', when: 'ticket.created', then: [{ type: 'add_tag', tag: 'c' }] }),
        aRule({ id: 'a', then: [{ type: 'add_tag', tag: 'a' }] }),
      ]);
      expect(outcomes(evaluateRules(anInput({ rules })))).toEqual([
        ['b', 'fired'],
        ['a', 'fired'],
      ]);
    });

    it('a disabled rule is recorded as disabled and does nothing', () => {
      const rules = rulesOf([aRule({ id: 'off', enabled: false, then: [{ type: 'add_tag', tag: 'x' }] })]);
      const decision = evaluateRules(anInput({ rules }));
      expect(outcomes(decision)).toEqual([['off', 'disabled']]);
      expect(decision.commands).toEqual([]);
      expect(decision.ticketEvents).toEqual([]);
    });

    it('after a fired rule with stop, later rules are skipped and name the rule that stopped them', () => {
      const rules = rulesOf([
        aRule({ id: 'first', stop: true, then: [{ type: 'add_tag', tag: 'first' }] }),
        aRule({ id: 'second', then: [{ type: 'add_tag', tag: 'second' }] }),
      ]);
      const decision = evaluateRules(anInput({ rules }));
      expect(decision.evaluated.evaluations[1]).toEqual({
        ruleId: 'second',
        outcome: 'skipped_stop',
        conditions: [],
        actions: [],
        stoppedBy: 'first',
      });
      expect(commandTypes(decision)).toEqual(['ticket.tag.add']);
    });

    it('a stop rule that does not match stops nothing', () => {
      const rules = rulesOf([
        aRule({
          id: 'first',
          stop: true,
          if: { all: [{ field: 'ticket.channel', op: 'eq', value: 'email' }] },
          then: [{ type: 'close_ticket' }],
        }),
        aRule({ id: 'second', then: [{ type: 'add_tag', tag: 'second' }] }),
      ]);
      expect(outcomes(evaluateRules(anInput({ rules })))).toEqual([
        ['first', 'not_matched'],
        ['second', 'fired'],
      ]);
    });
    it('a rule that does not match records every condition it evaluated, and no action', () => {
      const rules = rulesOf([
        aRule({
          id: 'email-vip',
          if: {
            all: [
              { field: 'ticket.channel', op: 'eq', value: 'email' },
              { field: 'ticket.tags', op: 'contains', value: 'vip' },
            ],
          },
          then: [{ type: 'add_tag', tag: 'x' }],
        }),
      ]);
      expect(evaluateRules(anInput({ rules })).evaluated.evaluations).toStrictEqual([
        {
          ruleId: 'email-vip',
          outcome: 'not_matched',
          conditions: [
            { path: 'all[0]', field: 'ticket.channel', op: 'eq', expected: 'email', actual: 'sms', passed: false },
            { path: 'all[1]', field: 'ticket.tags', op: 'contains', expected: 'vip', actual: [], passed: false },
          ],
          actions: [],
        },
      ]);
    });
  });

  describe('once', () => {
    const ruleOnce = (once: 'per_event' | 'per_reopen' | 'per_ticket') =>
      rulesOf([aRule({ id: 'r', once, then: [{ type: 'add_internal_note', body: 'note' }] })]);
    const firedBefore = (lastReopenCount: number) => aTicket({ ruleFirings: { r: { count: 1, lastReopenCount } } });

    it('per_event: fires on every triggering event', () => {
      expect(outcomes(evaluateRules(anInput({ rules: ruleOnce('per_event'), ticket: firedBefore(1) })))).toEqual([
        ['r', 'fired'],
      ]);
    });

    it('per_ticket: fires the first time, then never again on that ticket', () => {
      expect(outcomes(evaluateRules(anInput({ rules: ruleOnce('per_ticket') })))).toEqual([['r', 'fired']]);
      expect(outcomes(evaluateRules(anInput({ rules: ruleOnce('per_ticket'), ticket: firedBefore(0) })))).toEqual([
        ['r', 'skipped_once'],
      ]);
    });

    it('per_reopen: skipped in the reopen cycle it fired in, eligible again after the next reopen', () => {
      const rules = ruleOnce('per_reopen');
      expect(outcomes(evaluateRules(anInput({ rules, ticket: firedBefore(1) })))).toEqual([['r', 'skipped_once']]);
      expect(outcomes(evaluateRules(anInput({ rules, ticket: firedBefore(0) })))).toEqual([['r', 'fired']]);
    });

    it('records the reopen cycle the trigger belongs to', () => {
      expect(evaluateRules(anInput({ ticket: aTicket({ reopenCount: 3 }) })).evaluated.reopenCount).toBe(3);
    });
  });

  describe('a working copy of the ticket', () => {
    it('later rules see the changes of earlier rules; previous never changes', () => {
      const rules = rulesOf([
        aRule({ id: 'tagger', then: [{ type: 'add_tag', tag: 'seen' }, { type: 'close_ticket' }] }),
        aRule({
          id: 'reader',
          if: {
            all: [
              { field: 'ticket.tags', op: 'contains', value: 'seen' },
              { field: 'ticket.status', op: 'eq', value: 'closed' },
              { field: 'previous.tags', op: 'not_contains', value: 'seen' },
            ],
          },
          then: [{ type: 'add_internal_note', body: 'tags: {{ticket.tags}}; status: {{ ticket.status }}' }],
        }),
        aRule({
          id: 'guarded',
          if: { all: [{ field: 'ticket.tags', op: 'not_contains', value: 'seen' }] },
          then: [{ type: 'add_tag', tag: 'x' }],
        }),
      ]);
      const decision = evaluateRules(anInput({ rules }));
      expect(outcomes(decision)).toEqual([
        ['tagger', 'fired'],
        ['reader', 'fired'],
        ['guarded', 'not_matched'],
      ]);
      const note = decision.commands.find((c) => c.type === 'ticket.note.add');
      expect(note?.data).toMatchObject({ body: 'tags: seen; status: closed' });
    });

    it('each action sees the actions before it: the same tag twice is added once', () => {
      const rules = rulesOf([
        aRule({
          id: 'twice',
          then: [
            { type: 'add_tag', tag: 'x' },
            { type: 'add_tag', tag: 'x' },
          ],
        }),
      ]);
      const decision = evaluateRules(anInput({ rules }));
      expect(actionOutcomes(decision)).toEqual([
        ['add_tag', 'emitted', undefined],
        ['add_tag', 'suppressed', 'no_change'],
      ]);
      expect(decision.ticketEvents).toHaveLength(1);
    });
  });

  describe('ticket changes', () => {
    const allChanges = rulesOf([
      aRule({
        id: 'change',
        then: [
          { type: 'add_tag', tag: 'new' },
          { type: 'remove_tag', tag: 'old' },
          { type: 'assign_team', team: 'SMS Support' },
          { type: 'close_ticket' },
        ],
      }),
    ]);

    it('emit events authored by the rule at the trigger time, and the matching commands', () => {
      const decision = evaluateRules(anInput({ rules: allChanges, ticket: aTicket({ tags: ['old'] }) }));
      const by = { type: 'rule', id: 'change' };
      expect(decision.ticketEvents).toEqual([
        { type: 'TagsChanged', data: { ticketId: 'tk_1', at: AT, added: ['new'], removed: [], by } },
        { type: 'TagsChanged', data: { ticketId: 'tk_1', at: AT, added: [], removed: ['old'], by } },
        { type: 'TicketAssigned', data: { ticketId: 'tk_1', at: AT, team: 'SMS Support', by } },
        {
          type: 'TicketClosed',
          data: {
            ticketId: 'tk_1',
            at: AT,
            closedBy: by,
            // Postscript's 24 h, fixed now and recorded.
            window: { duration: '24h', ms: 86_400_000, source: 'integration', key: 'postscript' },
            reopenDeadline: '2025-03-03T10:00:00.000Z',
          },
        },
      ]);
      expect(decision.commands.map((c) => [c.type, c.data])).toEqual([
        ['ticket.tag.add', { ruleId: 'change', causationId: 'ev_msg', correlationId: 'in_msg', tag: 'new' }],
        ['ticket.tag.remove', { ruleId: 'change', causationId: 'ev_msg', correlationId: 'in_msg', tag: 'old' }],
        ['ticket.assign', { ruleId: 'change', causationId: 'ev_msg', correlationId: 'in_msg', team: 'SMS Support' }],
        ['ticket.close', { ruleId: 'change', causationId: 'ev_msg', correlationId: 'in_msg' }],
      ]);
    });

    it('that change nothing are suppressed as no_change, and the rule still fired', () => {
      const ticket = aTicket({ status: 'closed', closedAt: AT, tags: ['new'], team: 'SMS Support' });
      const decision = evaluateRules(anInput({ rules: allChanges, ticket }));
      expect(outcomes(decision)).toEqual([['change', 'fired']]);
      expect(actionOutcomes(decision)).toEqual([
        ['add_tag', 'suppressed', 'no_change'],
        ['remove_tag', 'suppressed', 'no_change'],
        ['assign_team', 'suppressed', 'no_change'],
        ['close_ticket', 'suppressed', 'no_change'],
      ]);
      expect(decision.ticketEvents).toEqual([]);
      expect(decision.commands).toEqual([]);
    });

    it('each no_change says in words what was already so, for the audit trail', () => {
      const ticket = aTicket({ status: 'closed', closedAt: AT, tags: ['new'], team: 'SMS Support' });
      expect(
        evaluateRules(anInput({ rules: allChanges, ticket })).evaluated.evaluations[0]?.actions.map((a) => a.detail),
      ).toEqual([
        'tag new already present',
        'tag old not present',
        'already assigned to SMS Support',
        'ticket already closed',
      ]);
    });
  });

  describe('auto-replies', () => {
    const LIMIT_5M = rulesOf([autoReply('reply')]);
    const replyDecision = (customer: CustomerState, at = AT, rules = LIMIT_5M) =>
      evaluateRules(anInput({ rules, customer, event: { id: 'ev_msg', version: 6, at, correlationId: 'in_msg' } }));

    it('sends a message.send to the customer and records the auto-reply on the customer', () => {
      const decision = replyDecision(aCustomer());
      const id = commandId('reply', 'ev_msg', 0);
      expect(decision.commands).toEqual([
        {
          specversion: '1.0',
          id,
          source: 'urn:tickets:rule-reactor',
          subject: 'tk_1',
          time: AT,
          datacontenttype: 'application/json',
          type: 'message.send',
          data: {
            ruleId: 'reply',
            causationId: 'ev_msg',
            correlationId: 'in_msg',
            channel: 'sms',
            to: '+33600000001',
            body: 'Bien reçu, Élodie Dupont',
            segments: 1,
            encoding: 'UCS-2',
          },
        },
      ]);
      expect(decision.customerEvents).toEqual([
        {
          type: 'AutoReplyRecorded',
          data: { customerId: 'cus_1', at: AT, channel: 'sms', ticketId: 'tk_1', commandId: id },
        },
      ]);
    });

    describe('rate limit, in event time', () => {
      it('Given an auto-reply 4m59s before the event, the next is suppressed as rate_limited', () => {
        const decision = replyDecision(aCustomer({ lastAutoReplyAt: minutesBefore(AT, 4, 59) }));
        expect(actionOutcomes(decision)).toEqual([['send_auto_reply', 'suppressed', 'rate_limited']]);
        expect(decision.commands).toEqual([]);
        expect(decision.customerEvents).toEqual([]);
      });

      it('Given an auto-reply exactly 5 minutes before the event, the next is sent', () => {
        const decision = replyDecision(aCustomer({ lastAutoReplyAt: minutesBefore(AT, 5) }));
        expect(commandTypes(decision)).toEqual(['message.send']);
      });

      it('measures from the event time, however late it is processed', () => {
        const customer = aCustomer({ lastAutoReplyAt: '2025-03-02T09:58:00.000Z' });
        expect(commandTypes(replyDecision(customer, '2025-03-02T10:02:59.999Z'))).toEqual([]);
        expect(commandTypes(replyDecision(customer, '2025-03-02T10:03:00.000Z'))).toEqual(['message.send']);
      });

      it('uses the configured limit', () => {
        const rules = rulesOf([autoReply('reply')], { autoReplyRateLimit: '1h' });
        const customer = aCustomer({ lastAutoReplyAt: minutesBefore(AT, 59) });
        expect(actionOutcomes(replyDecision(customer, AT, rules))).toEqual([
          ['send_auto_reply', 'suppressed', 'rate_limited'],
        ]);
      });

      it('Given two auto-reply rules on one trigger, only the first reply is sent', () => {
        const decision = replyDecision(aCustomer(), AT, rulesOf([autoReply('one'), autoReply('two')]));
        expect(outcomes(decision)).toEqual([
          ['one', 'fired'],
          ['two', 'fired'],
        ]);
        expect(actionOutcomes(decision, 1)).toEqual([['send_auto_reply', 'suppressed', 'rate_limited']]);
        expect(decision.commands.map((c) => c.data.ruleId)).toEqual(['one']);
        expect(decision.customerEvents).toHaveLength(1);
      });
    });

    describe('opt-out', () => {
      const onChannel = (channel: Channel, customer: CustomerState) =>
        evaluateRules(anInput({ rules: LIMIT_5M, customer, ticket: aTicket({ channel }) }));
      const optedOut = aCustomer({ optedOutAt: '2025-03-01T15:00:00.000Z' });

      it('Given a customer who opted out by SMS, no auto-reply goes to sms or whatsapp', () => {
        for (const channel of ['sms', 'whatsapp'] as const) {
          expect(actionOutcomes(onChannel(channel, optedOut))).toEqual([
            ['send_auto_reply', 'suppressed', 'opted_out'],
          ]);
        }
      });

      it('…but e-mail and chat still get theirs', () => {
        expect(onChannel('email', optedOut).commands.map((c) => c.data)).toMatchObject([
          { channel: 'email', to: 'elodie@example.com' },
        ]);
        expect(onChannel('chat', optedOut).commands.map((c) => c.data)).toMatchObject([
          { channel: 'chat', to: 'cus_1' },
        ]);
      });

      it('an opt-out recorded after the event time does not apply to it', () => {
        const later = aCustomer({ optedOutAt: '2025-03-02T10:00:00.001Z' });
        expect(commandTypes(onChannel('sms', later))).toEqual(['message.send']);
      });

      it('an opt-out at exactly the event time applies', () => {
        expect(commandTypes(onChannel('sms', aCustomer({ optedOutAt: AT })))).toEqual([]);
      });
    });

    it('Given no address on the channel, the reply is suppressed as no_recipient', () => {
      const noPhone = aTicket({ customer: { id: 'cus_1', name: 'Élodie Dupont' } });
      const noEmail = aTicket({ channel: 'email', customer: { id: 'cus_1', phone: '+33600000001' } });
      for (const ticket of [noPhone, noEmail]) {
        const decision = evaluateRules(anInput({ rules: LIMIT_5M, ticket }));
        expect(actionOutcomes(decision)).toEqual([['send_auto_reply', 'suppressed', 'no_recipient']]);
        expect(decision.customerEvents).toEqual([]);
      }
    });

    it('each suppression of a reply says in words why, for the audit trail', () => {
      const detail = (decision: RuleTriggerDecision) => decision.evaluated.evaluations[0]?.actions[0]?.detail;
      const noPhone = aTicket({ customer: { id: 'cus_1', name: 'Élodie Dupont' } });
      expect(detail(evaluateRules(anInput({ rules: LIMIT_5M, ticket: noPhone })))).toBe(
        'customer has no address on sms',
      );
      expect(detail(replyDecision(aCustomer({ optedOutAt: '2025-03-01T15:00:00.000Z' })))).toBe(
        'customer opted out at 2025-03-01T15:00:00.000Z',
      );
      expect(detail(replyDecision(aCustomer({ lastAutoReplyAt: '2025-03-02T09:58:00.000Z' })))).toBe(
        'last auto-reply at 2025-03-02T09:58:00.000Z, limit 5m',
      );
    });

    it('an e-mail reply is a message.send too, with the rendered body and no segments', () => {
      const decision = evaluateRules(anInput({ rules: LIMIT_5M, ticket: aTicket({ channel: 'email' }) }));
      expect(decision.commands.map((c) => [c.type, c.data])).toEqual([
        [
          'message.send',
          {
            ruleId: 'reply',
            causationId: 'ev_msg',
            correlationId: 'in_msg',
            channel: 'email',
            to: 'elodie@example.com',
            body: 'Bien reçu, Élodie Dupont',
          },
        ],
      ]);
    });

    it('reports segments and encoding on sms only', () => {
      const sms = replyDecision(aCustomer()).commands[0];
      const whatsapp = evaluateRules(anInput({ rules: LIMIT_5M, ticket: aTicket({ channel: 'whatsapp' }) }))
        .commands[0];
      expect(sms?.data).toMatchObject({ segments: 1, encoding: 'UCS-2' });
      expect(whatsapp?.data).not.toHaveProperty('segments');
      expect(whatsapp?.data).not.toHaveProperty('encoding');
    });

    it('with smsGsmLookalikes, the seed reply loses its ç and fits one GSM-7 segment', () => {
      const rules = rulesOf([autoReply('reply', { then: [{ type: 'send_auto_reply', body: SEED_REPLY }] })], {
        smsGsmLookalikes: true,
      });
      expect(replyDecision(aCustomer(), AT, rules).commands[0]?.data).toMatchObject({
        body: SEED_REPLY.replace('ç', 'Ç'),
        segments: 1,
        encoding: 'GSM-7',
      });
    });
  });

  describe('templates', () => {
    it('fill fields, ticket.ticketId included; absent fields render empty', () => {
      const rules = rulesOf([
        aRule({
          id: 'note',
          then: [
            {
              type: 'add_internal_note',
              body: '{{ticket.ticketId}} [{{ticket.followUpOf}}] [{{message.body}}] {{customer.name}}',
            },
          ],
        }),
      ]);
      const decision = evaluateRules(anInput({ rules, message: null }));
      expect(decision.commands[0]?.data).toMatchObject({ body: 'tk_1 [] [] Élodie Dupont' });
    });
  });

  describe('determinism', () => {
    const busyRules = rulesOf([
      aRule({
        id: 'tag',
        if: {
          all: [
            { field: 'ticket.subject', op: 'contains', valueFrom: 'customer.name' },
            { field: 'ticket.tags', op: 'exists' },
          ],
        },
        then: [
          { type: 'add_tag', tag: 'a' },
          { type: 'assign_team', team: 'T' },
        ],
      }),
      autoReply('reply'),
    ]);

    it('the same input twice gives deep-equal decisions', () => {
      expect(evaluateRules(anInput({ rules: busyRules }))).toEqual(evaluateRules(anInput({ rules: busyRules })));
    });

    it('command ids derive from rule, triggering event and action position', () => {
      const decision = evaluateRules(anInput({ rules: busyRules }));
      expect(decision.commands.map((c) => c.id)).toEqual([
        commandId('tag', 'ev_msg', 0),
        commandId('tag', 'ev_msg', 1),
        commandId('reply', 'ev_msg', 0),
      ]);
      expect(new Set(decision.commands.map((c) => c.id)).size).toBe(3);
      expect(decision.evaluated.evaluations[0]?.actions.map((a) => a.commandId)).toEqual([
        commandId('tag', 'ev_msg', 0),
        commandId('tag', 'ev_msg', 1),
      ]);
    });

    it('another triggering event gives other ids', () => {
      const first = evaluateRules(anInput({ rules: busyRules }));
      const second = evaluateRules(
        anInput({ rules: busyRules, event: { id: 'ev_other', version: 8, at: AT, correlationId: 'in_other' } }),
      );
      const firstIds = new Set(first.commands.map((c) => c.id));
      expect(second.commands.some((c) => firstIds.has(c.id))).toBe(false);
    });

    it('everything it returns reads back unchanged through the schemas (what the store will hold)', () => {
      // Compared as JSON text: no undefined fields, and keys in the schemas' order (byte-identical output).
      const same = (parsed: unknown, original: unknown) =>
        expect(JSON.stringify(parsed)).toBe(JSON.stringify(original));
      const decision = evaluateRules(anInput({ rules: busyRules, ticket: aTicket({ tags: ['a'] }) }));
      same(RulesEvaluated.parse({ type: 'RulesEvaluated', data: decision.evaluated }).data, decision.evaluated);
      expect(JSON.parse(JSON.stringify(decision.evaluated))).toEqual(decision.evaluated);
      for (const event of decision.ticketEvents) same(TicketEvent.parse(event), event);
      for (const event of decision.customerEvents) same(CustomerEvent.parse(event), event);
      for (const command of decision.commands) same(Command.parse(command), command);
      expect(decision.commands).toEqual(decision.evaluated.commands);
    });
  });

  describe('the shipped default rules on the seed scenarios', () => {
    it('(1) Given an SMS ticket reopened by "Merci !", it is closed again and tagged, and no auto-reply goes out', () => {
      const decision = evaluateRules(anInput({ message: { body: 'Merci !', intent: 'gratitude', channel: 'sms' } }));
      expect(outcomes(decision)).toEqual([
        ['sms-thanks-autoclose', 'fired'],
        ['sms-reopened', 'skipped_stop'],
      ]);
      expect(decision.evaluated.evaluations[1]?.stoppedBy).toBe('sms-thanks-autoclose');
      expect(commandTypes(decision)).toEqual(['ticket.close', 'ticket.tag.add']);
      expect(decision.commands[1]?.data).toMatchObject({ tag: 'auto-closed-thanks' });
      expect(decision.ticketEvents.map((e) => e.type)).toEqual(['TicketClosed', 'TagsChanged']);
      expect(decision.customerEvents).toEqual([]);
    });

    it('(2) Given an SMS ticket reopened by a real question, it is tagged, routed to SMS Support and acknowledged once', () => {
      const decision = evaluateRules(anInput());
      expect(outcomes(decision)).toEqual([
        ['sms-thanks-autoclose', 'not_matched'],
        ['sms-reopened', 'fired'],
      ]);
      expect(commandTypes(decision)).toEqual(['ticket.tag.add', 'ticket.assign', 'message.send']);
      expect(decision.commands.map((c) => c.data)).toMatchObject([
        { tag: 'reopened-sms' },
        { team: 'SMS Support' },
        { channel: 'sms', to: '+33600000001', body: SEED_REPLY, segments: 2, encoding: 'UCS-2' },
      ]);
      expect(decision.customerEvents.map((e) => e.type)).toEqual(['AutoReplyRecorded']);
    });

    it('(2) …unless the ticket is already tagged reopened-sms-handled', () => {
      const decision = evaluateRules(anInput({ ticket: aTicket({ tags: ['reopened-sms-handled'] }) }));
      expect(outcomes(decision)).toEqual([
        ['sms-thanks-autoclose', 'not_matched'],
        ['sms-reopened', 'not_matched'],
      ]);
      expect(decision.commands).toEqual([]);
    });

    it('(2) a message on a ticket that was already open is not a reopen', () => {
      const decision = evaluateRules(anInput({ previous: aTicket({ messageCount: 2 }) }));
      expect(decision.commands).toEqual([]);
    });

    const followUp = aTicket({
      ticketId: 'tk_new',
      reopenCount: 0,
      followUpOf: 'tk_old',
      subject: 'SMS de Élodie Dupont',
      messageCount: 1,
      version: 2,
    });
    const created = (ticket: TicketState) =>
      evaluateRules(
        anInput({
          trigger: 'ticket.created',
          event: { id: 'ev_created', version: 1, at: AT, correlationId: 'in_msg' },
          previous: null,
          ticket,
          message: { body: 'Re-bonjour, toujours rien reçu', intent: 'other', channel: 'sms' },
        }),
      );

    it('(3) Given a follow-up SMS ticket whose subject names the customer, it is flagged with a note naming the previous ticket', () => {
      const decision = created(followUp);
      expect(outcomes(decision)).toEqual([['sms-follow-up-check', 'fired']]);
      expect(commandTypes(decision)).toEqual(['ticket.tag.add', 'ticket.note.add']);
      expect(decision.commands[0]?.data).toMatchObject({ tag: 'new-sms-follow-up-check' });
      expect(decision.commands[1]?.data).toMatchObject({
        body: "Bonjour ! Juste pour info, ceci pourrait être le suivi d'un ticket récent (tk_old). Il vaudrait peut-être la peine de vérifier l'historique de ce client.",
      });
      expect(decision.commands.every((c) => c.subject === 'tk_new')).toBe(true);
    });

    it('(3) a new SMS ticket that follows up nothing is not flagged', () => {
      const decision = created({ ...followUp, followUpOf: null });
      expect(outcomes(decision)).toEqual([['sms-follow-up-check', 'not_matched']]);
      expect(decision.commands).toEqual([]);
    });
  });

  describe('input its schemas rule out is a programming error, named in the message', () => {
    it('a rate limit that is not a duration', () => {
      const rules = { ...rulesOf([autoReply('reply')]), autoReplyRateLimit: 'soon' };
      expect(() => evaluateRules(anInput({ rules }))).toThrow('invalid autoReplyRateLimit "soon"');
    });

    it('a channel, a once or an action type it does not know', () => {
      const fax = aTicket({ channel: 'fax' as Channel });
      expect(() => evaluateRules(anInput({ rules: rulesOf([autoReply('reply')]), ticket: fax }))).toThrow(
        'unknown channel fax',
      );
      const [rule] = rulesOf([aRule({ id: 'r', then: [{ type: 'add_internal_note', body: 'n' }] })]).rules;
      const fired = aTicket({ ruleFirings: { r: { count: 1, lastReopenCount: 0 } } });
      const sometimes = { ...rulesOf([]), rules: [{ ...rule, once: 'sometimes' }] } as unknown as RulesFile;
      expect(() => evaluateRules(anInput({ rules: sometimes, ticket: fired }))).toThrow('unknown once sometimes');
      const teleport = { ...rulesOf([]), rules: [{ ...rule, then: [{ type: 'teleport' }] }] } as unknown as RulesFile;
      expect(() => evaluateRules(anInput({ rules: teleport }))).toThrow(/unknown action .*teleport/);
    });
  });
});

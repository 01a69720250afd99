import fc from 'fast-check';
import {
  DEFAULT_RULES_SOURCE,
  ReopenPolicy,
  RulesFile,
  ticketIdFor,
  type InboundEventInput,
  type RuleInput,
} from '@tickets/domain';
import { AGENT_SOURCE, SMS_SOURCE } from '@tickets/testing';

// Random but valid traffic for property tests: several customers on several channels, agents
// closing, tagging, assigning and answering, thank-yous, STOP and START, tickets named by id (known,
// unknown or someone else's), late deliveries, duplicates — and rules and windows to go with it.

const CUSTOMERS = [
  { id: 'cus_ana', name: 'Ana Lopez', phone: '+34600000001', email: 'ana@example.com' },
  { id: 'cus_ben', name: 'Ben Okafor', phone: '+447700900001' },
  { id: 'cus_chloe', email: 'chloe@example.com' },
  { id: 'cus_dieter', name: 'Dieter Maas', phone: '+4915100000001' },
] as const;
// SMS first, as the shipped rules are about SMS; the other channels test that windows and rules keep them apart.
const CHANNELS = ['sms', 'sms', 'sms', 'email', 'chat', 'whatsapp'] as const;
const INTEGRATIONS = ['postscript', 'twilio', undefined] as const;
const BODIES = [
  'Bonjour, ma commande est en retard',
  'Merci !',
  'thanks 👍',
  'STOP',
  'START',
  'ok parfait merci',
  'Où est mon colis ?',
  'Gracias',
  'merci mais rien reçu',
];
const GAPS_MINUTES = [0, 1, 3, 20, 90, 600, 1_500, 3_000, 6_000];

type Step =
  | { kind: 'message'; customer: number; channel: number; integration: number; body: number; named: number | null }
  | {
      kind: 'agent';
      action: 'ticket.closed' | 'ticket.tagged' | 'ticket.assigned' | 'message.sent';
      customer: number;
      channel: number;
      variant: number;
    }
  | { kind: 'created'; customer: number; channel: number }
  | { kind: 'duplicate'; of: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('message' as const),
      customer: fc.nat(3),
      channel: fc.nat(5),
      integration: fc.nat(2),
      body: fc.nat(BODIES.length - 1),
      named: fc.option(fc.nat(12), { nil: null, freq: 5 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('agent' as const),
      action: fc.constantFrom(
        'ticket.closed',
        'ticket.closed',
        'ticket.closed',
        'ticket.tagged',
        'ticket.assigned',
        'message.sent',
      ),
      customer: fc.nat(3),
      channel: fc.nat(5),
      variant: fc.nat(27),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('created' as const), customer: fc.nat(3), channel: fc.nat(5) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), of: fc.nat(100) }) },
);

/** Random traffic as steps; `inboundEvents` turns them into events as the pipeline answers. */
export interface Traffic {
  readonly steps: readonly (readonly [step: Step, gap: number, late: boolean])[];
}

export const randomTraffic: fc.Arbitrary<Traffic> = fc
  .array(
    fc.tuple(
      step,
      fc.nat(GAPS_MINUTES.length - 1),
      fc.nat(9).map((n) => n === 0),
    ),
    { minLength: 20, maxLength: 90 },
  )
  .map((steps) => ({ steps }));

/** Where the pipeline routed a customer's messages on a channel: what an agent then acts on. */
export type CurrentTicket = (customerId: string, channel: string) => string | undefined;

/**
 * The traffic's events in arrival order, each built when the previous ones were handled: agents act
 * on the ticket the customer's messages currently go to (as a helpdesk shows it), now and then on
 * someone else's or an unknown one. Times mostly move forward; one event in ten arrives late.
 */
export function* inboundEvents(traffic: Traffic, current: CurrentTicket): Generator<InboundEventInput> {
  const sent: InboundEventInput[] = [];
  const seen: string[] = [];
  let time = Date.parse('2026-01-05T08:00:00Z');
  for (const [i, [s, gap, late]] of traffic.steps.entries()) {
    time += GAPS_MINUTES[gap]! * 60_000;
    const at = new Date(late ? time - 7_200_000 : time).toISOString();
    const customer = CUSTOMERS[s.kind === 'duplicate' ? 0 : s.customer]!;
    const id = `e${i}`;
    let event: InboundEventInput | undefined;
    if (s.kind === 'duplicate') event = sent[s.of % Math.max(sent.length, 1)];
    else if (s.kind === 'message') {
      const integration = INTEGRATIONS[s.integration];
      const named = s.named === null ? undefined : (seen[s.named] ?? `tk_unknown_${s.named}`);
      event = {
        specversion: '1.0',
        id,
        source: SMS_SOURCE,
        type: 'message.received',
        time: at,
        subject: customer.id,
        data: {
          channel: CHANNELS[s.channel]!,
          ...(integration === undefined ? {} : { integration }),
          customer: { ...customer },
          message: { id: `m-${id}`, body: BODIES[s.body]! },
          ...(named === undefined ? {} : { ticketId: named }),
        },
      };
    } else if (s.kind === 'created') {
      event = {
        specversion: '1.0',
        id,
        source: AGENT_SOURCE,
        type: 'ticket.created',
        time: at,
        subject: customer.id,
        data: {
          ticketId: `tk_agent_${i}`,
          channel: CHANNELS[s.channel]!,
          customer: { ...customer },
          subject: `Call from ${customer.id}`,
        },
      };
    } else {
      // The customer's current ticket on the channel, else on any channel; now and then any ticket seen.
      const own = [CHANNELS[s.channel]!, ...CHANNELS]
        .map((channel) => current(customer.id, channel))
        .find((t) => t !== undefined);
      const ticketId =
        s.variant % 9 === 0 ? (seen[s.variant % Math.max(seen.length, 1)] ?? 'tk_none') : (own ?? 'tk_none');
      const data = {
        'ticket.closed': { ticketId, closedBy: { type: 'agent', id: 'agent-1' } },
        'ticket.tagged': {
          ticketId,
          add: [s.variant % 2 === 0 ? 'vip' : 'reopened-sms-handled'],
          ...(s.variant % 3 === 0 ? { remove: ['vip'] } : {}),
        },
        'ticket.assigned': { ticketId, team: s.variant % 2 === 0 ? 'Billing' : 'SMS Support' },
        'message.sent': {
          ticketId,
          message: { id: `r-${id}`, body: 'On regarde' },
          author: { type: s.variant % 4 === 0 ? 'automation' : 'agent' },
        },
      }[s.action];
      event = {
        specversion: '1.0',
        id,
        source: AGENT_SOURCE,
        type: s.action,
        time: at,
        subject: customer.id,
        data,
      } as InboundEventInput;
    }
    if (event === undefined) continue;
    sent.push(event);
    if (s.kind === 'message') seen.push(ticketIdFor(SMS_SOURCE, id));
    if (s.kind === 'created') seen.push(`tk_agent_${i}`);
    yield event;
  }
}

const EXTRA_RULES: RuleInput[] = [
  {
    id: 'tag-reopened',
    name: 'Tag every reopen',
    when: 'ticket.reopened',
    then: [{ type: 'add_tag', tag: 'was-reopened' }],
    once: 'per_reopen',
  },
  {
    id: 'note-on-agent-close',
    name: 'Note when an agent closes',
    when: 'ticket.closed',
    if: {
      any: [
        { field: 'ticket.tags', op: 'contains', value: 'vip' },
        { field: 'ticket.reopenCount', op: 'gt', value: 0 },
      ],
    },
    then: [
      { type: 'add_internal_note', body: 'Closed after {{ticket.reopenCount}} reopens' },
      { type: 'remove_tag', tag: 'was-reopened' },
    ],
  },
  {
    id: 'vip-to-billing',
    name: 'VIP tickets go to Billing, once per ticket',
    when: 'ticket.updated',
    if: { all: [{ field: 'ticket.tags', op: 'contains', value: 'vip' }] },
    then: [
      { type: 'assign_team', team: 'Billing' },
      { type: 'send_auto_reply', body: 'Un conseiller vous répond.' },
    ],
    once: 'per_ticket',
  },
  {
    id: 'ack-any-channel',
    name: 'Acknowledge new tickets on every channel',
    when: 'message.received',
    if: { all: [{ field: 'previous.status', op: 'not_exists' }] },
    then: [{ type: 'send_auto_reply', body: 'Bien reçu {{customer.name}}' }],
  },
];

/** A rules file: the shipped rules or some of them, with some extra ones, other limits. */
export const randomRules: fc.Arbitrary<RulesFile> = fc
  .record({
    base: fc.subarray(['sms-thanks-autoclose', 'sms-reopened', 'sms-follow-up-check']),
    extra: fc.subarray(EXTRA_RULES),
    autoReplyRateLimit: fc.constantFrom('1m', '5m', '2h'),
    smsGsmLookalikes: fc.boolean(),
    stopOff: fc.boolean(),
  })
  .map(({ base, extra, autoReplyRateLimit, smsGsmLookalikes, stopOff }) => {
    const shipped = DEFAULT_RULES_SOURCE.rules
      .filter((rule) => base.includes(rule.id))
      .map((rule) => (stopOff ? { ...rule, stop: false } : rule));
    return RulesFile.parse({ rules: [...shipped, ...extra], autoReplyRateLimit, smsGsmLookalikes });
  });

export const randomPolicy: fc.Arbitrary<ReopenPolicy> = fc
  .record({
    default: fc.constantFrom('1h', '1d', '7d'),
    chat: fc.constantFrom('30m', '3d'),
    postscript: fc.constantFrom('2h', '24h', '48h'),
  })
  .map((p) =>
    ReopenPolicy.parse({ default: p.default, channels: { chat: p.chat }, integrations: { postscript: p.postscript } }),
  );

import fc from 'fast-check';
import type { InboundEventInput } from '../inbound/inbound-event.js';
import type { ReopenPolicy } from '../ticket/reopen-policy.js';
import type { Channel, ModelInput, ModelPolicy } from './routing-model.test-support.js';

// Random interleavings of customer messages and agent actions (closes, tags, assignments, replies,
// tickets opened by agents) for a few customers on a few channels, with redeliveries, late
// deliveries and messages right around reopen deadlines. Each step becomes both an inbound
// CloudEvent (for the production code) and a model input (for the reference model).

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const CUSTOMERS = [
  { id: 'cus_ana', name: 'Ana Lopez', phone: '+34600000001' },
  { id: 'cus_ben', name: 'Ben Okafor', phone: '+447700900001', email: 'ben@example.com' },
  { id: 'cus_chloe', email: 'chloe@example.com' },
] as const;
const CHANNELS: readonly Channel[] = ['sms', 'sms', 'email', 'chat', 'whatsapp'];
const INTEGRATIONS = ['postscript', 'twilio', null] as const;
const SOURCES: Record<Channel, string> = {
  sms: 'https://postscript.example/sms',
  email: 'https://mail.example/inbound',
  chat: 'https://chat.example/widget',
  whatsapp: 'https://wa.example/hooks',
};
const AGENT_SOURCE = 'https://helpdesk.example/agents';
const TAGS = ['vip', 'billing', 'reopened-sms-handled'];
const BODIES = [
  'Bonjour, ma commande ?',
  'Merci !',
  'thanks 👍',
  'STOP',
  'START',
  'Où est mon colis ?',
  'Gracias',
  'merci mais rien reçu',
];

/** A random policy, in whole minutes so that the text form is exact: the model gets the milliseconds. */
export const randomPolicy: fc.Arbitrary<{ policy: ReopenPolicy; model: ModelPolicy }> = fc
  .record({
    defaultMin: fc.integer({ min: 1, max: 10 * 24 * 60 }),
    chat: fc.option(fc.integer({ min: 1, max: 5 * 24 * 60 }), { nil: undefined }),
    email: fc.option(fc.integer({ min: 1, max: 5 * 24 * 60 }), { nil: undefined }),
    postscript: fc.option(fc.integer({ min: 1, max: 3 * 24 * 60 }), { nil: undefined }),
    twilio: fc.option(fc.integer({ min: 1, max: 3 * 24 * 60 }), { nil: undefined }),
  })
  .map(({ defaultMin, chat, email, postscript, twilio }) => {
    const channels = Object.fromEntries(Object.entries({ chat, email }).filter(([, v]) => v !== undefined)) as Record<
      string,
      number
    >;
    const integrations = Object.fromEntries(
      Object.entries({ postscript, twilio }).filter(([, v]) => v !== undefined),
    ) as Record<string, number>;
    const text = (entries: Record<string, number>) =>
      Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, `${v}m`]));
    const ms = (entries: Record<string, number>) =>
      Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, v * MINUTE]));
    return {
      policy: { default: `${defaultMin}m`, channels: text(channels), integrations: text(integrations) },
      model: { defaultMs: defaultMin * MINUTE, channels: ms(channels), integrations: ms(integrations) },
    };
  });

type StepKind = 'message' | 'close' | 'tag' | 'assign' | 'sent' | 'created' | 'redeliver';
interface Step {
  readonly kind: StepKind;
  readonly customer: number;
  readonly channel: number;
  readonly integration: number;
  readonly advance: number;
  /** Messages: write this many ms around the current ticket's deadline when it is closed. */
  readonly nearDeadline: number | null;
  /** Which ticket a message names or an agent acts on: the routed one, another seen one, or an unknown one. */
  readonly target: 'routed' | 'seen' | 'unknown' | 'none';
  readonly pick: number;
}

// Minutes, hours, days (past every window), or backwards (a late delivery).
const advance = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 120 }).map((m) => m * MINUTE) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 72 }).map((h) => h * HOUR) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 12 }).map((d) => d * DAY) },
  { weight: 1, arbitrary: fc.integer({ min: -3 * HOUR, max: -1 }) },
);

const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom<StepKind>(
    'message',
    'message',
    'message',
    'message',
    'close',
    'close',
    'close',
    'tag',
    'assign',
    'sent',
    'created',
    'redeliver',
  ),
  customer: fc.nat(CUSTOMERS.length - 1),
  channel: fc.nat(CHANNELS.length - 1),
  integration: fc.nat(INTEGRATIONS.length - 1),
  advance,
  nearDeadline: fc.option(fc.constantFrom(-MINUTE, -1, 0, 1, MINUTE), { nil: null, freq: 2 }),
  target: fc.constantFrom('routed', 'routed', 'routed', 'routed', 'routed', 'seen', 'unknown', 'none'),
  pick: fc.nat(),
});

export const randomSteps = fc.array(step, { minLength: 1, maxLength: 60, size: 'max' });

/** What the generator needs to know about the world so far to aim agents at real tickets. */
export interface TrafficView {
  routed(customerId: string, channel: Channel): string | undefined;
  deadlineOf(ticketId: string): number | null;
  readonly ticketIds: readonly string[];
}

export interface TrafficEvent {
  readonly event: InboundEventInput;
  readonly input: ModelInput;
}

/** Turns steps into events one at a time: each step looks at the world the earlier ones made. */
export function* trafficOf(steps: readonly Step[], view: TrafficView): Generator<TrafficEvent> {
  const sent: TrafficEvent[] = [];
  let clock = Date.parse('2026-03-02T08:00:00.000Z');
  for (const [i, s] of steps.entries()) {
    if (s.kind === 'redeliver') {
      const earlier = sent[s.pick % Math.max(sent.length, 1)];
      if (earlier !== undefined) yield earlier;
      continue;
    }
    const customer = CUSTOMERS[s.customer]!;
    const channel = CHANNELS[s.channel]!;
    const routed = view.routed(customer.id, channel);
    const ticketId =
      s.target === 'seen'
        ? view.ticketIds[s.pick % Math.max(view.ticketIds.length, 1)]
        : s.target === 'unknown'
          ? `tk_unknown_${i}`
          : undefined;
    clock += s.advance;
    const deadline = routed === undefined ? null : view.deadlineOf(routed);
    if (s.kind === 'message' && s.nearDeadline !== null && deadline !== null) clock = deadline + s.nearDeadline;
    const at = clock;
    const time = new Date(at).toISOString();
    const id = `e${i}`;
    const base = { specversion: '1.0', id, time, subject: customer.id } as const;
    let made: TrafficEvent;
    if (s.kind === 'message') {
      const integration = channel === 'sms' || channel === 'whatsapp' ? INTEGRATIONS[s.integration]! : null;
      const named = s.target === 'none' || s.target === 'routed' ? undefined : ticketId;
      const source = SOURCES[channel];
      made = {
        event: {
          ...base,
          source,
          type: 'message.received',
          data: {
            channel,
            ...(integration === null ? {} : { integration }),
            customer: { ...customer },
            message: { id: `m-${id}`, body: BODIES[s.pick % BODIES.length]! },
            ...(named === undefined ? {} : { ticketId: named }),
          },
        },
        input: {
          kind: 'message',
          source,
          id,
          at,
          customerId: customer.id,
          channel,
          integration,
          ...(named === undefined ? {} : { ticketId: named }),
        },
      };
    } else if (s.kind === 'created') {
      const created = s.pick % 4 === 0 ? (view.ticketIds[0] ?? `tk_agent_${i}`) : `tk_agent_${i}`;
      const integration = INTEGRATIONS[s.integration]!;
      made = {
        event: {
          ...base,
          source: AGENT_SOURCE,
          type: 'ticket.created',
          data: {
            ticketId: created,
            channel,
            ...(integration === null ? {} : { integration }),
            customer: { ...customer },
          },
        },
        input: {
          kind: 'created',
          source: AGENT_SOURCE,
          id,
          at,
          customerId: customer.id,
          channel,
          integration,
          ticketId: created,
        },
      };
    } else {
      const acted = ticketId ?? routed ?? `tk_none_${i}`;
      const common = { source: AGENT_SOURCE, id, at, customerId: customer.id, ticketId: acted };
      const tagAdd = [TAGS[s.pick % TAGS.length]!];
      const tagRemove = s.pick % 3 === 0 ? [TAGS[(s.pick >> 2) % TAGS.length]!] : [];
      const team = s.pick % 5 === 0 ? null : `team-${s.pick % 3}`;
      const agentData = {
        close: {
          type: 'ticket.closed',
          data: { ticketId: acted, closedBy: { type: 'agent', id: 'agent-1' } },
          input: { ...common, kind: 'close' },
        },
        sent: {
          type: 'message.sent',
          data: { ticketId: acted, message: { id: `r-${id}`, body: 'On regarde' }, author: { type: 'agent' } },
          input: { ...common, kind: 'sent' },
        },
        tag: {
          type: 'ticket.tagged',
          data: { ticketId: acted, add: tagAdd, remove: tagRemove },
          input: { ...common, kind: 'tag', add: tagAdd, remove: tagRemove },
        },
        assign: {
          type: 'ticket.assigned',
          data: { ticketId: acted, team, ...(s.pick % 2 === 0 ? { agent: `agent-${s.pick % 4}` } : {}) },
          input: { ...common, kind: 'assign', team, ...(s.pick % 2 === 0 ? { agent: `agent-${s.pick % 4}` } : {}) },
        },
      }[s.kind];
      made = {
        event: { ...base, source: AGENT_SOURCE, type: agentData.type, data: agentData.data } as InboundEventInput,
        input: agentData.input as ModelInput,
      };
    }
    sent.push(made);
    yield made;
  }
}

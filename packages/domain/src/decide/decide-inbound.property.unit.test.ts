import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command } from '../commands/command.js';
import { InboundEvent } from '../inbound/inbound-event.js';
import { InMemoryPipeline } from '../pipeline/in-memory-pipeline.js';
import { DEFAULT_RULES_SOURCE } from '../rules/default-rules.js';
import { RulesFile } from '../rules/rules-file.js';
import { commandId, inboundKey } from '../shared/ids.js';
import { DEFAULT_REOPEN_POLICY } from '../ticket/reopen-policy.js';
import type { TicketState } from '../ticket/ticket-state.js';
import { DeciderWorld } from './decider.test-support.js';
import { randomPolicy, randomSteps, trafficOf, type TrafficEvent } from './random-traffic.test-support.js';
import { RoutingModel, type ModelOutcome, type ModelTicket } from './routing-model.test-support.js';

// Property specifications of the decider against a small reference model written from SPEC.md
// (invariant 3: reopen iff t < closedAt + window, else a follow-up; invariant 1: a redelivery changes
// nothing), and of the rules (invariant 5: at most one firing per trigger, deterministic command ids).
// fast-check prints the seed and the shrunk counterexample of a failure; replay it with
// `fc.assert(..., { seed, path })`.

const RUNS = 300;

/** What the decider said, in the model's terms. */
function outcomeOf(world: DeciderWorld, event: TrafficEvent['event']): ModelOutcome {
  const decided = world.handle(event);
  if (decided.outcome === 'duplicate') return { status: 'duplicate' };
  if (decided.outcome === 'rejected') return { status: 'rejected', code: decided.error.code as 'TICKET.NOT_FOUND' };
  const named = 'ticketId' in event.data && event.type === 'message.received' && event.data.ticketId !== undefined;
  return {
    status: 'accepted',
    ticketId: decided.ticketId,
    routing: decided.routing?.kind ?? null,
    ...(named ? { namedUnknown: decided.routing?.requestedTicketUnknown === true } : {}),
  };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The model's ticket in the projection's binding fields. */
const expectedState = (t: ModelTicket) => ({
  ticketId: t.ticketId,
  status: t.status,
  channel: t.channel,
  integration: t.integration,
  closedAt: iso(t.closedAt),
  reopenDeadline: iso(t.reopenDeadline),
  reopenCount: t.reopenCount,
  followUpOf: t.followUpOf,
  tags: [...t.tags].sort(),
  team: t.team,
  agent: t.agent,
  messageCount: t.messageCount,
  lastMessageAt: iso(t.lastMessageAt),
});
const actualState = (t: TicketState) => ({
  ticketId: t.ticketId,
  status: t.status,
  channel: t.channel,
  integration: t.integration,
  closedAt: t.closedAt,
  reopenDeadline: t.reopenDeadline,
  reopenCount: t.reopenCount,
  followUpOf: t.followUpOf,
  tags: t.tags,
  team: t.team,
  agent: t.agent,
  messageCount: t.messageCount,
  lastMessageAt: t.lastMessageAt,
});

describe('property: the decider agrees with the reference model of the reopen / follow-up decision', () => {
  it('on random interleavings of messages, closes, tags, assignments, replies and redeliveries, under random windows', () => {
    // What the runs exercised: a generator that drifts into trivial cases fails loudly.
    const seen = new Set<string>();
    fc.assert(
      fc.property(randomSteps, randomPolicy, (steps, { policy, model: modelPolicy }) => {
        const world = new DeciderWorld(policy);
        const model = new RoutingModel(modelPolicy);
        const view = {
          routed: model.routed.bind(model),
          deadlineOf: (id: string) => model.tickets.get(id)?.reopenDeadline ?? null,
          get ticketIds() {
            return [...model.tickets.keys()];
          },
        };
        for (const { event, input } of trafficOf(steps, view)) {
          const before = structuredClone([...world.tickets.values()]);
          const expected = model.handle(input);
          const actual = outcomeOf(world, event);
          expect(actual, JSON.stringify(event)).toEqual(expected);
          // Invariant 1: a redelivery changes nothing.
          if (actual.status === 'duplicate') expect([...world.tickets.values()]).toEqual(before);
          seen.add(expected.status === 'accepted' ? (expected.routing ?? 'agent action') : expected.status);
        }
        // Not only the decisions: every ticket ends where the model says, in every binding field.
        const sorted = <T extends { ticketId: string }>(list: T[]) =>
          list.sort((a, b) => a.ticketId.localeCompare(b.ticketId));
        expect(sorted([...world.tickets.values()].map(actualState))).toEqual(
          sorted([...model.tickets.values()].map(expectedState)),
        );
      }),
      { numRuns: RUNS },
    );
    expect([...seen].sort()).toEqual([
      'agent action',
      'duplicate',
      'follow_up',
      'new_ticket',
      'open_ticket',
      'rejected',
      'reopen',
    ]);
  });

  it('exactly at the deadline is a follow-up, one millisecond before is a reopen, whatever the window', () => {
    fc.assert(
      fc.property(
        randomPolicy,
        fc.constantFrom('sms', 'email', 'chat', 'whatsapp' as const),
        fc.boolean(),
        ({ policy, model: m }, channel, early) => {
          const world = new DeciderWorld(policy);
          const base = { specversion: '1.0', source: 'https://chat.example/x', subject: 'cus_x' } as const;
          const message = (id: string, at: number) => ({
            ...base,
            id,
            type: 'message.received' as const,
            time: new Date(at).toISOString(),
            data: { channel, customer: { id: 'cus_x' }, message: { id, body: 'Bonjour' } },
          });
          const opened = world.handle(message('first', Date.parse('2026-01-01T00:00:00Z')));
          if (opened.outcome !== 'accepted') throw new Error('first message refused');
          const closedAt = Date.parse('2026-01-01T01:00:00Z');
          world.handle({
            ...base,
            id: 'close',
            source: 'https://helpdesk.example',
            type: 'ticket.closed',
            time: new Date(closedAt).toISOString(),
            data: { ticketId: opened.ticketId },
          });
          const windowMs = m.channels[channel] ?? m.defaultMs;
          const reply = world.handle(message('reply', closedAt + windowMs - (early ? 1 : 0)));
          expect(reply.outcome === 'accepted' && reply.routing?.kind).toBe(early ? 'reopen' : 'follow_up');
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** Shipped rules plus a few that fire on every trigger, so that most events raise commands. */
const RULES = RulesFile.parse({
  autoReplyRateLimit: '1m',
  rules: [
    ...DEFAULT_RULES_SOURCE.rules,
    {
      id: 'tag-reopened',
      name: 'Tag reopens',
      when: 'ticket.reopened',
      then: [
        { type: 'add_tag', tag: 'was-reopened' },
        { type: 'assign_team', team: 'Reopens' },
      ],
    },
    {
      id: 'ack',
      name: 'Ack every message',
      when: 'message.received',
      then: [
        { type: 'send_auto_reply', body: 'Bien reçu' },
        { type: 'add_internal_note', body: 'ack' },
      ],
    },
    {
      id: 'note-close',
      name: 'Note on close',
      when: 'ticket.closed',
      then: [{ type: 'add_internal_note', body: 'closed {{ticket.reopenCount}}' }],
    },
    {
      id: 'vip',
      name: 'VIP once',
      when: 'ticket.updated',
      if: { all: [{ field: 'ticket.tags', op: 'contains', value: 'vip' }] },
      then: [{ type: 'remove_tag', tag: 'vip' }],
      once: 'per_ticket',
    },
  ],
});
const ACTIONS = new Map(RULES.rules.map((rule) => [rule.id, rule.then.length]));

/** Every command the pipeline emits for the traffic, in order. */
function commandsOf(events: readonly TrafficEvent['event'][]): Command[] {
  const pipeline = new InMemoryPipeline(RULES, DEFAULT_REOPEN_POLICY);
  const handled = new Set<string>();
  const commands: Command[] = [];
  for (const input of events) {
    const event = InboundEvent.parse(input);
    const key = inboundKey(event.source, event.id);
    // Deduplication is the ingest's (the inbound log): a redelivery never reaches the pipeline.
    if (handled.has(key)) continue;
    const outcome = pipeline.handle(key, event);
    if (outcome.outcome === 'accepted') {
      handled.add(key);
      commands.push(...outcome.commands);
    }
  }
  return commands;
}

describe('property: rules fire at most once per triggering event, with deterministic command ids (invariant 5)', () => {
  it('on random traffic: ids unique, each derived from rule + trigger + action, the same on every run', () => {
    let total = 0;
    fc.assert(
      fc.property(randomSteps, (steps) => {
        const model = new RoutingModel({
          defaultMs: 7 * 86_400_000,
          channels: { chat: 3 * 86_400_000 },
          integrations: { postscript: 86_400_000 },
        });
        const view = {
          routed: model.routed.bind(model),
          deadlineOf: (id: string) => model.tickets.get(id)?.reopenDeadline ?? null,
          get ticketIds() {
            return [...model.tickets.keys()];
          },
        };
        const events: TrafficEvent['event'][] = [];
        // One at a time: each step aims at the tickets the earlier ones made.
        for (const { event, input } of trafficOf(steps, view)) {
          model.handle(input);
          events.push(event);
        }
        const commands = commandsOf(events);
        total += commands.length;
        // A second firing of a rule on one trigger would repeat its (rule, trigger, action) id.
        expect(new Set(commands.map((c) => c.id)).size).toBe(commands.length);
        for (const command of commands) {
          const { ruleId, causationId } = command.data;
          const ids = Array.from({ length: ACTIONS.get(ruleId) ?? 0 }, (_, i) => commandId(ruleId, causationId, i));
          expect(ids, `${command.type} of ${ruleId}`).toContain(command.id);
        }
        // Redelivering the whole traffic (all duplicates) and deciding again from nothing: the same commands.
        expect(commandsOf([...events, ...events])).toEqual(commands);
      }),
      { numRuns: 150 },
    );
    expect(total).toBeGreaterThan(1_000);
  });
});

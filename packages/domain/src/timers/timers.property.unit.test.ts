import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command } from '../commands/command.js';
import { RoutingModel } from '../decide/routing-model.test-support.js';
import { randomSteps, trafficOf, type TrafficEvent } from '../decide/random-traffic.test-support.js';
import { InboundEvent } from '../inbound/inbound-event.js';
import { InMemoryPipeline } from '../pipeline/in-memory-pipeline.js';
import { RulesFile } from '../rules/rules-file.js';
import { inboundKey } from '../shared/ids.js';
import { DEFAULT_REOPEN_POLICY } from '../ticket/reopen-policy.js';

// SPEC invariant 7 for timers, as a property over random traffic (messages, closes, agent replies,
// redeliveries, late deliveries): the tickets and the commands are the same whether each due timer
// fired with the customer's next event or a scheduler fired it earlier — as early as it could, the
// least of the later events' times — and whatever the shards (customers) the scheduler ran for.

const rules = RulesFile.parse({
  rules: [
    {
      id: 'nudge',
      name: 'Nudge',
      when: { after: '1h', since: 'agent_reply' },
      then: [{ type: 'send_auto_reply', body: 'Avez-vous encore besoin d’aide ?' }],
    },
    {
      id: 'autoclose',
      name: 'Close',
      when: { after: '3h', since: 'agent_reply' },
      if: { all: [{ field: 'ticket.status', op: 'eq', value: 'open' }] },
      then: [{ type: 'close_ticket' }, { type: 'add_tag', tag: 'auto-closed-no-reply' }],
    },
    {
      id: 'answer-due',
      name: 'Answer due',
      when: { after: '2h', since: 'customer_message' },
      then: [
        { type: 'add_tag', tag: 'sla-breached' },
        { type: 'assign_team', team: 'Escalation' },
      ],
    },
    {
      id: 'window-end',
      name: 'Window end',
      when: { at: 'reopen_deadline' },
      then: [{ type: 'add_tag', tag: 'reopen-window-ended' }],
    },
    { id: 'tag-reopened', name: 'Reopened', when: 'ticket.reopened', then: [{ type: 'add_tag', tag: 'reopened' }] },
  ],
});

function decideAll(events: readonly TrafficEvent['event'][], schedulerRuns: boolean, end: string) {
  const pipeline = new InMemoryPipeline(rules, DEFAULT_REOPEN_POLICY);
  const parsed = events.map((e) => InboundEvent.parse(e));
  const commands: Command[] = [];
  let early = 0;
  const seen = new Set<string>();
  // The latest time a scheduler may have reached before each event: the least of the times still to come.
  const reachable: string[] = [];
  let least = end;
  for (let i = parsed.length - 1; i >= 0; i--) {
    if (parsed[i]!.time < least) least = parsed[i]!.time;
    reachable[i] = least;
  }
  parsed.forEach((event, i) => {
    if (schedulerRuns) {
      const made = pipeline.advanceTo(reachable[i]!);
      early += made.length;
      commands.push(...made);
    }
    const key = inboundKey(event.source, event.id);
    if (seen.has(key)) return; // the inbound log's deduplication
    seen.add(key);
    const outcome = pipeline.handle(key, event);
    if (outcome.outcome === 'accepted') {
      seen.add(key);
      commands.push(...outcome.commands);
    }
  });
  commands.push(...pipeline.advanceTo(end));
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    early,
    commands: commands.sort(byId),
    tickets: [...pipeline.allTickets()].sort((a, b) => (a.ticketId < b.ticketId ? -1 : 1)),
  };
}

describe('property: timers fire the same whether a scheduler or the next event fired them (invariant 7)', () => {
  it('on random traffic with late deliveries and redeliveries, the tickets and the commands (ids and content) are equal', () => {
    let fired = 0;
    let early = 0;
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
        for (const { event, input } of trafficOf(steps, view)) {
          model.handle(input);
          events.push(event);
        }
        const end = '2026-12-31T00:00:00.000Z';
        const byEvents = decideAll(events, false, end);
        const byScheduler = decideAll(events, true, end);
        fired += byEvents.commands.filter((c) =>
          ['nudge', 'autoclose', 'answer-due', 'window-end'].includes(c.data.ruleId),
        ).length;
        early += byScheduler.early;
        expect(byScheduler.commands).toEqual(byEvents.commands);
        expect(byScheduler.tickets).toEqual(byEvents.tickets);
      }),
      { numRuns: 150 },
    );
    // The traffic does exercise timers, not just events.
    expect(fired).toBeGreaterThan(200);
    // And the scheduler did fire timers before the events that would have fired them.
    expect(early).toBeGreaterThan(100);
  });
});

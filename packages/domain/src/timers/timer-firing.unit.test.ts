import { describe, expect, it } from 'vitest';
import { emptyCustomerHistory, type CustomerHistory } from '../customer/customer-history.js';
import { decide, decideTimers, timersToLoad, type DecideContext } from '../decide/decide.js';
import { ticketsToLoad } from '../decide/decide-inbound.js';
import { MARIE, message } from '../decide/decider.test-support.js';
import { InboundEvent, type InboundEventInput } from '../inbound/inbound-event.js';
import { RulesFile } from '../rules/rules-file.js';
import { domainEventId, inboundKey, timerEventId } from '../shared/ids.js';
import { evolve } from '../ticket/evolve.js';
import { DEFAULT_REOPEN_POLICY } from '../ticket/reopen-policy.js';
import type { PendingTimer, TicketEvent } from '../ticket/ticket-events.js';
import type { TicketState } from '../ticket/ticket-state.js';

// The exact record a timer's firing leaves (docs/timers.md, semantics 3 and 4): ids derived from
// the timer id, causes, the rule decision, the due-time index and the order timers fire in.

const rules = RulesFile.parse({
  rules: [
    {
      id: 'nudge-48h',
      name: 'Nudge',
      when: { after: '48h', since: 'agent_reply' },
      then: [{ type: 'send_auto_reply', body: 'Encore ?' }],
    },
    {
      id: 'autoclose-72h',
      name: 'Close',
      when: { after: '72h', since: 'agent_reply' },
      then: [{ type: 'close_ticket' }, { type: 'add_tag', tag: 'auto-closed-no-reply' }],
    },
    {
      id: 'window-ended',
      name: 'Window',
      when: { at: 'reopen_deadline' },
      then: [{ type: 'add_tag', tag: 'window-ended' }],
    },
  ],
});

let n = 0;
const reply = (time: string, ticketId: string): InboundEventInput => ({
  specversion: '1.0',
  id: `firing-reply-${++n}`,
  source: 'https://helpdesk.example/agents',
  type: 'message.sent',
  time,
  subject: MARIE.id,
  data: { ticketId, message: { id: `fr-${n}`, body: 'Voici.' }, author: { type: 'agent', id: 'agent-lea' } },
});

/** A store in memory: decides events in order with `decide` and keeps what they wrote. */
class World {
  readonly tickets = new Map<string, TicketState>();
  customer: CustomerHistory = emptyCustomerHistory(MARIE.id);
  constructor(readonly rulesFile: RulesFile = rules) {}

  ctx(): DecideContext {
    return { customer: this.customer, tickets: this.tickets, rules: this.rulesFile, policy: DEFAULT_REOPEN_POLICY };
  }

  handle(input: InboundEventInput) {
    const event = InboundEvent.parse(input);
    const decision = decide(inboundKey(event.source, event.id), event, this.ctx());
    if (decision.outcome === 'rejected') throw new Error(decision.error.message);
    for (const write of decision.tickets) this.tickets.set(write.ticketId, write.state);
    this.customer = decision.customer.history;
    return decision;
  }

  /** The id the store gave the event with this inbound key's first ticket event (what sets timers). */
  ticketOf(channel: string): TicketState {
    return [...this.tickets.values()].find((t) => t.channel === channel)!;
  }
}

/** Marie's SMS ticket with an agent reply at 09:30: nudge due 03-04 09:30, close due 03-05 09:30. */
function replied() {
  const world = new World();
  world.handle(message('2026-03-02T08:00:00.000Z', 'Ma commande ?', { id: 'firing-first' }));
  const ticketId = world.ticketOf('sms').ticketId;
  const decision = world.handle(reply('2026-03-02T09:30:00.000Z', ticketId));
  const setBy = decision.ticket!.events[0]!.id;
  const [nudge, autoclose] = world.tickets.get(ticketId)!.timers!;
  return { world, ticketId, setBy, nudge: nudge!, autoclose: autoclose! };
}

describe('a firing is recorded exactly, with ids derived from the timer id', () => {
  it('two timers of one ticket due by the clock fire in due order, each with its rule decision and effects', () => {
    const { world, ticketId, setBy, nudge, autoclose } = replied();
    const decision = decideTimers('2026-03-05T09:30:00.000Z', world.ctx());
    const nudgeFired = domainEventId(nudge.timerId, 0);
    const closeFired = domainEventId(autoclose.timerId, 0);
    expect(decision.fired).toEqual([nudge.timerId, autoclose.timerId]);
    expect(decision.tickets.map((w) => w.ticketId)).toEqual([ticketId]);
    const events = decision.tickets[0]!.events;
    expect(events.map((d) => [d.event.type, d.id, d.causationId])).toEqual([
      ['TimerFired', nudgeFired, setBy],
      ['RulesEvaluated', domainEventId(nudgeFired, 0), nudgeFired],
      ['TimerFired', closeFired, setBy],
      ['RulesEvaluated', domainEventId(closeFired, 0), closeFired],
      ['TicketClosed', domainEventId(closeFired, 1), closeFired],
      ['TagsChanged', domainEventId(closeFired, 2), closeFired],
      // The close sets the reopen window's end: a timer event of the firing.
      ['TimerSet', timerEventId(closeFired, 0), closeFired],
    ]);
    expect(events[0]!.event.data).toEqual({
      ticketId,
      at: nudge.dueAt,
      timerId: nudge.timerId,
      ruleId: 'nudge-48h',
      kind: 'agent_reply',
      dueAt: nudge.dueAt,
      setAt: nudge.setAt,
    });
    const evaluated = events[1]!.event;
    expect(evaluated.type === 'RulesEvaluated' ? [evaluated.data.trigger, evaluated.data.at] : null).toEqual([
      { type: 'timer.fired', eventId: nudgeFired, version: world.tickets.get(ticketId)!.version },
      nudge.dueAt,
    ]);
    // The ticket after the decision: closed, the reopen window's end pending (due at the recorded deadline).
    const state = decision.tickets[0]!.state;
    expect(state.status).toBe('closed');
    expect(state.timers?.map((t) => [t.ruleId, t.dueAt, t.setBy])).toEqual([
      ['window-ended', '2026-03-06T09:30:00.000Z', domainEventId(closeFired, 1)],
    ]);
  });

  it('rule decisions name the firing as trigger at the due time; commands carry the timer id as correlation', () => {
    const { world, nudge, autoclose } = replied();
    const decision = decideTimers('2026-03-05T09:30:00.000Z', world.ctx());
    expect(decision.rules.map((r) => [r.trigger, r.triggerEventId, r.at, r.evaluations.map((e) => e.ruleId)])).toEqual([
      ['timer.fired', domainEventId(nudge.timerId, 0), nudge.dueAt, ['nudge-48h']],
      ['timer.fired', domainEventId(autoclose.timerId, 0), autoclose.dueAt, ['autoclose-72h']],
    ]);
    expect(decision.commands.map((c) => [c.type, c.time, c.data.correlationId])).toEqual([
      ['message.send', nudge.dueAt, nudge.timerId],
      ['ticket.close', autoclose.dueAt, autoclose.timerId],
      ['ticket.tag.add', autoclose.dueAt, autoclose.timerId],
    ]);
  });

  it('the customer stream records the auto-reply and keeps the due-time index after each firing', () => {
    const { world, ticketId, nudge, autoclose } = replied();
    const decision = decideTimers('2026-03-05T09:30:00.000Z', world.ctx());
    const nudgeFired = domainEventId(nudge.timerId, 0);
    const closeFired = domainEventId(autoclose.timerId, 0);
    expect(decision.customer.events.map((d) => [d.event.type, d.id, d.causationId])).toEqual([
      ['AutoReplyRecorded', domainEventId(nudgeFired, 1), nudgeFired],
      ['CustomerTimersChanged', timerEventId(nudgeFired, 0), nudgeFired],
      // After the close's own timer event (index 0), the index entry is the firing's next timer event.
      ['CustomerTimersChanged', timerEventId(closeFired, 1), closeFired],
    ]);
    expect(decision.customer.history.state.timers).toEqual({ [ticketId]: '2026-03-06T09:30:00.000Z' });
    expect(timersToLoad(decision.customer.history.state, '2026-03-06T09:29:59.999Z')).toEqual([]);
  });

  it('an inbound decision numbers its timer events after its routing and dates the index at the event time', () => {
    const world = new World();
    world.handle(message('2026-03-02T08:00:00.000Z', 'Ma commande ?', { id: 'numbering' }));
    const ticketId = world.ticketOf('sms').ticketId;
    const event = InboundEvent.parse(reply('2026-03-02T09:30:00.000Z', ticketId));
    const key = inboundKey(event.source, event.id);
    const decision = decide(key, event, world.ctx());
    if (decision.outcome !== 'accepted') throw new Error('rejected');
    expect(decision.ticket!.events.map((d) => [d.event.type, d.id, d.causationId])).toEqual([
      ['MessageSent', domainEventId(key, 0), key],
      ['TimerSet', timerEventId(key, 0), key],
      ['TimerSet', timerEventId(key, 1), key],
    ]);
    expect(decision.customer.events.map((d) => [d.event.type, d.id, d.event.data.at])).toEqual([
      ['CustomerTimersChanged', timerEventId(key, 2), '2026-03-02T09:30:00.000Z'],
    ]);
  });

  it('a timer whose rule left the rules file fires with no rule decision: recorded, no command', () => {
    const { world, ticketId, nudge } = replied();
    const without = new World(RulesFile.parse({ rules: [] }));
    without.customer = world.customer;
    for (const [id, t] of world.tickets) without.tickets.set(id, t);
    const decision = decideTimers('2026-03-04T09:30:00.000Z', without.ctx());
    expect(decision.fired).toEqual([nudge.timerId]);
    expect(decision.tickets[0]!.events.map((d) => d.event.type)).toEqual(['TimerFired']);
    expect(decision.commands).toEqual([]);
    expect(decision.rules).toEqual([]);
    expect(decision.tickets[0]!.state.timers?.map((t) => t.ruleId)).toEqual(['autoclose-72h']);
    expect(decision.customer.history.state.timers).toEqual({ [ticketId]: '2026-03-05T09:30:00.000Z' });
  });

  it('a firing followed by the inbound event on the same ticket writes the ticket once, firing first', () => {
    const { world, ticketId, nudge } = replied();
    const decision = world.handle(message('2026-03-04T10:00:00.000Z', 'Oui', { id: 'after-nudge' }));
    expect(decision.tickets.map((w) => w.ticketId)).toEqual([ticketId]);
    expect(decision.fired).toEqual([nudge.timerId]);
    const types = decision.ticket!.events.map((d) => d.event.type);
    expect(types.slice(0, 3)).toEqual(['TimerFired', 'RulesEvaluated', 'MessageReceived']);
    expect(types).toContain('TimerCancelled');
  });

  it('an agent’s ticket.created for a ticket the store already has is refused, as without timers', () => {
    const { world, ticketId } = replied();
    const created = {
      specversion: '1.0',
      id: 'firing-created',
      source: 'https://helpdesk.example/agents',
      type: 'ticket.created',
      time: '2026-03-02T10:00:00.000Z',
      subject: MARIE.id,
      data: { ticketId, channel: 'sms', customer: MARIE },
    } as InboundEventInput;
    const event = InboundEvent.parse(created);
    const decision = decide(inboundKey(event.source, event.id), event, world.ctx());
    expect(decision.outcome === 'rejected' ? decision.error.code : decision.outcome).toBe('TICKET.ALREADY_EXISTS');
    const fresh = InboundEvent.parse({
      ...created,
      id: 'firing-created-2',
      data: { ...created.data, ticketId: 'tk_fresh' },
    });
    expect(decide(inboundKey(fresh.source, fresh.id), fresh, world.ctx()).outcome).toBe('accepted');
  });
});

describe('the order timers of several tickets fire in', () => {
  /** Marie has an SMS and an email ticket; agent replies at the given times, in the given order. */
  function twoTickets(replies: readonly ['sms' | 'email', string][]) {
    const world = new World();
    // The same ticket ids in every world: only the order the replies come in differs.
    world.handle(message('2026-03-02T08:00:00.000Z', 'SMS', { id: 'order-sms' }));
    world.handle(
      message('2026-03-02T08:01:00.000Z', 'Mail', { id: 'order-mail', channel: 'email', integration: null }),
    );
    for (const [channel, time] of replies) world.handle(reply(time, world.ticketOf(channel).ticketId));
    return world;
  }
  const firstFired = (world: World): string[] => {
    const decision = decideTimers('2026-03-04T23:00:00.000Z', world.ctx());
    return decision.fired.map(
      (id) => [...world.tickets.values()].find((t) => t.timers?.some((x) => x.timerId === id))!.channel,
    );
  };

  it('by due time, whichever ticket entered the index first', () => {
    expect(
      firstFired(
        twoTickets([
          ['email', '2026-03-02T09:00:00.000Z'],
          ['sms', '2026-03-02T09:30:00.000Z'],
        ]),
      ),
    ).toEqual(['email', 'sms']);
    expect(
      firstFired(
        twoTickets([
          ['sms', '2026-03-02T09:30:00.000Z'],
          ['email', '2026-03-02T09:00:00.000Z'],
        ]),
      ),
    ).toEqual(['email', 'sms']);
  });

  it('on the same due time, by ticket id, whichever ticket entered the index first', () => {
    const a = twoTickets([
      ['email', '2026-03-02T09:00:00.000Z'],
      ['sms', '2026-03-02T09:00:00.000Z'],
    ]);
    const b = twoTickets([
      ['sms', '2026-03-02T09:00:00.000Z'],
      ['email', '2026-03-02T09:00:00.000Z'],
    ]);
    const byId = (w: World) =>
      [w.ticketOf('sms'), w.ticketOf('email')].sort((x, y) => (x.ticketId < y.ticketId ? -1 : 1)).map((t) => t.channel);
    expect(firstFired(a)).toEqual(byId(a));
    expect(firstFired(b)).toEqual(byId(b));
  });
});

describe('the due-time index when it disagrees with the tickets', () => {
  it('an index entry earlier than the ticket’s first timer fires nothing early; the fix has a deterministic id', () => {
    const { world, ticketId, nudge } = replied();
    const stale: CustomerHistory = {
      ...world.customer,
      state: { ...world.customer.state, timers: { [ticketId]: '2026-03-04T09:00:00.000Z' } },
    };
    const decision = decideTimers('2026-03-04T09:15:00.000Z', { ...world.ctx(), customer: stale });
    expect(decision.fired).toEqual([]);
    expect(decision.customer.events.map((d) => [d.id, d.event])).toEqual([
      [
        timerEventId(timerEventId(`reindex:${ticketId}`, 0), 0),
        {
          type: 'CustomerTimersChanged',
          data: { customerId: MARIE.id, at: '2026-03-04T09:00:00.000Z', ticketId, nextDueAt: nudge.dueAt },
        },
      ],
    ]);
  });

  it('an entry for a ticket the store does not know, or one stored before timers existed, is removed', () => {
    const { world, ticketId } = replied();
    const { timers: _omitted, ...oldRow } = world.tickets.get(ticketId)!;
    const stale: CustomerHistory = {
      ...world.customer,
      state: {
        ...world.customer.state,
        timers: { [ticketId]: '2026-03-04T09:00:00.000Z', tk_unknown: '2026-03-04T09:00:00.000Z' },
      },
    };
    const decision = decideTimers('2026-03-10T00:00:00.000Z', {
      ...world.ctx(),
      customer: stale,
      tickets: new Map([[ticketId, oldRow]]),
    });
    expect(decision.fired).toEqual([]);
    expect(decision.customer.history.state.timers).toEqual({});
  });

  it('a customer stored before timers existed gets an index entry when a timer is set', () => {
    const world = new World();
    world.handle(message('2026-03-02T08:00:00.000Z', 'Ma commande ?', { id: 'old-customer' }));
    const { timers: _omitted, ...oldState } = world.customer.state;
    world.customer = { ...world.customer, state: oldState };
    const ticketId = world.ticketOf('sms').ticketId;
    world.handle(reply('2026-03-02T09:30:00.000Z', ticketId));
    expect(world.customer.state.timers).toEqual({ [ticketId]: '2026-03-04T09:30:00.000Z' });
  });

  it('ticketsToLoad and timersToLoad name exactly the tickets due at or before the time', () => {
    const state = {
      ...emptyCustomerHistory(MARIE.id).state,
      timers: { tk_a: '2026-03-04T09:30:00.000Z', tk_b: '2026-03-05T09:30:00.000Z' },
    };
    expect(timersToLoad(state, '2026-03-04T09:30:00.000Z')).toEqual(['tk_a']);
    expect(timersToLoad(state, '2026-03-04T09:29:59.999Z')).toEqual([]);
    const at = (time: string) => InboundEvent.parse(message(time, 'x', { ticketId: 'tk_c' }));
    expect(ticketsToLoad(at('2026-03-04T09:30:00.000Z'), state)).toEqual(['tk_c', 'tk_a']);
    expect(ticketsToLoad(at('2026-03-04T09:29:59.999Z'), state)).toEqual(['tk_c']);
    const { timers: _omitted, ...old } = state;
    expect(ticketsToLoad(at('2026-03-10T00:00:00.000Z'), old)).toEqual(['tk_c']);
  });
});

describe('pending timers on the ticket state', () => {
  const { world, ticketId } = replied();
  const base = world.tickets.get(ticketId)!;
  const timer = (timerId: string, dueAt: string): PendingTimer => ({
    timerId,
    ruleId: 'r',
    kind: 'agent_reply',
    dueAt,
    setAt: base.createdAt,
    setBy: 'ev_x',
  });
  const set = (t: PendingTimer): TicketEvent => ({ type: 'TimerSet', data: { ticketId, at: base.createdAt, ...t } });
  const fold = (state: TicketState, events: TicketEvent[]): TicketState =>
    events.reduce<TicketState>((s, e) => evolve(s, e)!, state);

  it('are sorted by due time, then timer id, whatever order they were set in', () => {
    const { timers: _omitted, ...none } = base;
    const late = timer('tm_a', '2026-03-09T00:00:00.000Z');
    const tieB = timer('tm_c', '2026-03-08T00:00:00.000Z');
    const tieA = timer('tm_b', '2026-03-08T00:00:00.000Z');
    const early = timer('tm_d', '2026-03-07T00:00:00.000Z');
    expect(fold(none, [set(late), set(tieB), set(tieA), set(early)]).timers).toEqual([early, tieA, tieB, late]);
    expect(fold(none, [set(early), set(tieA), set(tieB), set(late)]).timers).toEqual([early, tieA, tieB, late]);
  });

  it('a TimerSet applied again keeps one timer; cancelling on a state without timers leaves none', () => {
    const { timers: _omitted, ...none } = base;
    const t = timer('tm_a', '2026-03-09T00:00:00.000Z');
    expect(fold(none, [set(t), set(t)]).timers).toEqual([t]);
    const cancelled: TicketEvent = {
      type: 'TimerCancelled',
      data: { ticketId, at: base.createdAt, timerId: 'tm_a', ruleId: 'r', reason: 'x', causedBy: 'ev_y' },
    };
    expect(fold(none, [cancelled]).timers).toEqual([]);
  });
});

/** A pending timer as commands show it: which rule, when (its provenance stays in the state). */
const shown = ({ timerId, ruleId, kind, dueAt }: PendingTimer) => ({ timerId, ruleId, kind, dueAt });

describe("commands carry the ticket's pending timers and SLA targets as their decision left them", () => {
  it('the auto-close shows the reopen-window timer its close set; the nudge still shows the close pending', () => {
    const { world, autoclose } = replied();
    const decision = decideTimers('2026-03-05T09:30:00.000Z', world.ctx());
    const state = decision.tickets[0]!.state;
    const [nudgeSent, close, tag] = decision.commands;
    // The nudge's step ends with the close timer still pending; no SLA policy covers the ticket.
    expect(nudgeSent!.data.ticket).toEqual({ timers: [shown(autoclose)], sla: [] });
    expect(close!.data.ticket).toEqual({ timers: state.timers!.map(shown), sla: [] });
    expect(tag!.data.ticket).toEqual(close!.data.ticket);
    expect(state.timers?.map((t) => t.ruleId)).toEqual(['window-ended']);
  });

  it('what the relay publishes is what RulesEvaluated recorded: the same commands, content included', () => {
    const { world } = replied();
    const decision = decideTimers('2026-03-05T09:30:00.000Z', world.ctx());
    const recorded = decision.tickets[0]!.events.flatMap((d) =>
      d.event.type === 'RulesEvaluated' ? d.event.data.commands : [],
    );
    expect(recorded).toEqual(decision.commands);
    // Decided again from the same inputs: the same content, so a re-publish after a crash is identical.
    expect(decideTimers('2026-03-05T09:30:00.000Z', world.ctx()).commands).toEqual(decision.commands);
  });

  it("an inbound event's commands show the timers that same decision set", () => {
    const world = new World(
      RulesFile.parse({
        rules: [
          { id: 'tag-new', name: 'Tag', when: 'ticket.created', then: [{ type: 'add_tag', tag: 'new' }] },
          {
            id: 'escalate-24h',
            name: 'Escalate',
            when: { after: '24h', since: 'ticket_created' },
            then: [{ type: 'assign_team', team: 'Escalation' }],
          },
        ],
      }),
    );
    const decision = world.handle(message('2026-03-02T08:00:00.000Z', 'Ma commande ?', { id: 'stamp-first' }));
    const timers = world.ticketOf('sms').timers!;
    expect(timers.map((t) => [t.ruleId, t.dueAt])).toEqual([['escalate-24h', '2026-03-03T08:00:00.000Z']]);
    expect(decision.commands.map((c) => [c.type, c.data.ticket])).toEqual([
      ['ticket.tag.add', { timers: timers.map(shown), sla: [] }],
    ]);
  });
});

import {
  commandId,
  triggerOf,
  type RoutingKind,
  type RuleTrigger,
  type TicketEvent,
  type TicketEventOf,
} from '@tickets/domain';
import type { RecordedEvent } from '@tickets/event-store';
import { eventRef } from './event-ref.js';
import type { DecisionMismatch } from './verify-report.js';

/** A ticket's trigger events not decided yet, oldest first: the reactor decides them in stream order. */
export interface PendingTriggers {
  readonly pending: { readonly id: string; readonly version: number; readonly trigger: RuleTrigger }[];
  /** The ticket's pending timers by id, with their due time (created on the first TimerSet). */
  timers?: Map<string, string>;
}

/** The part of an inbound log record verify reads. */
export type InboundRecordData = { readonly ticketId: string; readonly routing: RoutingKind | null };

/**
 * Checks the recorded decisions, event by event in global order, without re-deciding anything:
 * - each RulesEvaluated names a trigger that exists earlier in its stream, raised that trigger and
 *   was not made by a rule, and is decided once;
 * - its commands are exactly its emitted actions, with the deterministic ids
 *   commandId(rule, trigger, action index) and the trigger as causation;
 * - each inbound log record says what the MessageReceived recorded for it says (ticket, routing);
 * - each timer fires or is cancelled at most once, only after it was set, and fires at its due time
 *   (its decision then names the TimerFired as its trigger).
 */
export class DecisionAudit {
  /** MessageReceived routings waiting for their inbound log record (appended after them). */
  private readonly routings = new Map<string, { ticketId: string; kind: RoutingKind; recorded: RecordedEvent }>();
  readonly mismatches: DecisionMismatch[] = [];
  rulesEvaluated = 0;
  commands = 0;
  inboundRecords = 0;

  /** One event of a ticket stream; `ticket` is that ticket's bookkeeping, kept by the caller. */
  ticketEvent(recorded: RecordedEvent, event: TicketEvent, ticketId: string, ticket: PendingTriggers): void {
    if (event.type === 'RulesEvaluated') {
      this.ruleDecision(recorded, ticketId, event, ticket);
      return;
    }
    if (event.type === 'MessageReceived') {
      const key = recorded.metadata.causationId;
      if (key !== undefined) this.routings.set(key, { ticketId, kind: event.data.routing.kind, recorded });
    }
    if (event.type === 'TimerSet' || event.type === 'TimerCancelled' || event.type === 'TimerFired') {
      this.timerEvent(recorded, event, ticketId, ticket);
      return;
    }
    const trigger = triggerOf(event);
    if (trigger !== null) ticket.pending.push({ id: recorded.id, version: recorded.version, trigger });
  }

  private timerEvent(
    recorded: RecordedEvent,
    event: TicketEventOf<'TimerSet' | 'TimerCancelled' | 'TimerFired'>,
    ticketId: string,
    ticket: PendingTriggers,
  ): void {
    const timers = (ticket.timers ??= new Map());
    const { timerId } = event.data;
    if (event.type === 'TimerSet') {
      if (timers.has(timerId)) this.fail(ticketId, 'timer', `timer ${timerId} is set again while pending`, recorded);
      timers.set(timerId, event.data.dueAt);
      return;
    }
    const dueAt = timers.get(timerId);
    if (dueAt === undefined) {
      this.fail(
        ticketId,
        'timer',
        `${event.type} names timer ${timerId}, which is not pending on this ticket`,
        recorded,
      );
      return;
    }
    timers.delete(timerId);
    if (event.type === 'TimerFired') {
      if (event.data.at !== dueAt || event.data.dueAt !== dueAt) {
        this.fail(
          ticketId,
          'timer',
          `timer ${timerId} fired at ${event.data.at}, but it was due at ${dueAt}`,
          recorded,
        );
      }
      ticket.pending.push({ id: recorded.id, version: recorded.version, trigger: 'timer.fired' });
    }
  }

  inboundRecord(recorded: RecordedEvent, key: string): void {
    this.inboundRecords++;
    const { ticketId, routing } = recorded.data as unknown as InboundRecordData;
    const found = this.routings.get(key);
    if (found === undefined) {
      if (routing !== null)
        this.fail(
          ticketId,
          'inbound_log',
          `inbound ${key} records routing ${routing} on ${ticketId}, but no message was recorded for it`,
          recorded,
        );
      return;
    }
    this.routings.delete(key);
    if (found.ticketId !== ticketId || found.kind !== routing) {
      this.fail(
        ticketId,
        'inbound_log',
        `inbound ${key} records ${String(routing)} on ${ticketId}; the message ${found.recorded.id} says ${found.kind} on ${found.ticketId}`,
        recorded,
      );
    }
  }

  /** What is still waiting once every event was read. */
  finish(): void {
    for (const [key, { ticketId, recorded }] of this.routings) {
      this.fail(ticketId, 'inbound_log', `message ${recorded.id} (inbound ${key}) has no inbound log record`, recorded);
    }
    this.routings.clear();
  }

  private ruleDecision(
    recorded: RecordedEvent,
    ticketId: string,
    event: TicketEventOf<'RulesEvaluated'>,
    ticket: PendingTriggers,
  ): void {
    this.rulesEvaluated++;
    const { trigger, evaluations, commands } = event.data;
    const at = ticket.pending.findIndex((candidate) => candidate.id === trigger.eventId);
    const candidate = ticket.pending[at];
    if (candidate === undefined) {
      this.fail(
        ticketId,
        'rule_decision',
        `decision ${recorded.id} names trigger ${trigger.eventId}, which is not an undecided, rule-free trigger event of this ticket`,
        recorded,
      );
    } else {
      if (candidate.version !== trigger.version || candidate.trigger !== trigger.type) {
        this.fail(
          ticketId,
          'rule_decision',
          `decision ${recorded.id} names ${trigger.type} #${trigger.version}, but ${trigger.eventId} is ${candidate.trigger} #${candidate.version}`,
          recorded,
        );
      }
      // Decided: later decisions may not name it again, and earlier triggers will not be decided anymore.
      ticket.pending.splice(0, at + 1);
    }

    // Most decisions emit nothing: nothing more to check then.
    if (commands.length === 0 && evaluations.every((e) => e.actions.every((a) => a.status !== 'emitted'))) return;
    const emitted = new Map<string, string>();
    for (const evaluation of evaluations) {
      for (const action of evaluation.actions) {
        if (action.status !== 'emitted') continue;
        const expected = commandId(evaluation.ruleId, trigger.eventId, action.index);
        if (action.commandId !== expected) {
          this.fail(
            ticketId,
            'rule_decision',
            `rule ${evaluation.ruleId} action ${action.index}: command id ${String(action.commandId)}, expected ${expected}`,
            recorded,
          );
        }
        emitted.set(expected, evaluation.ruleId);
      }
    }
    const correlationId = recorded.metadata.correlationId;
    for (const command of commands) {
      this.commands++;
      const ruleId = emitted.get(command.id);
      if (ruleId === undefined) {
        this.fail(
          ticketId,
          'rule_decision',
          `command ${command.id} (${command.type}) matches no emitted action`,
          recorded,
        );
        continue;
      }
      emitted.delete(command.id);
      const wrong: string[] = [];
      if (command.data.ruleId !== ruleId) wrong.push(`rule ${command.data.ruleId} instead of ${ruleId}`);
      if (command.data.causationId !== trigger.eventId)
        wrong.push(`causation ${command.data.causationId} instead of the trigger ${trigger.eventId}`);
      if (command.subject !== ticketId) wrong.push(`subject ${command.subject} instead of the ticket`);
      if (correlationId !== undefined && command.data.correlationId !== correlationId)
        wrong.push(`correlation ${command.data.correlationId} instead of ${correlationId}`);
      if (wrong.length > 0)
        this.fail(ticketId, 'rule_decision', `command ${command.id}: ${wrong.join(', ')}`, recorded);
    }
    for (const id of emitted.keys())
      this.fail(ticketId, 'rule_decision', `emitted action ${id} has no command`, recorded);
  }

  private fail(
    ticketId: string | null,
    kind: DecisionMismatch['kind'],
    message: string,
    recorded: RecordedEvent,
  ): void {
    this.mismatches.push({ ticketId, kind, message, event: eventRef(recorded) });
  }
}

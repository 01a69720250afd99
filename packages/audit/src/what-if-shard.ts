import { InMemoryPipeline, restoreInbound, toMillis, type ReopenPolicy, type RulesFile } from '@tickets/domain';
import type { InboundAcceptedData } from '@tickets/streams';
import { commandSeq, type SequencedCommand } from './command-diff.js';
import type { DecisionChange, RejectedReplay } from './what-if-report.js';

/** What a shard needs: plain data, so that it crosses into a worker thread as it is. */
export interface ShardSettings {
  readonly rules: RulesFile;
  readonly policy: ReopenPolicy;
  /** The compared range of event time, [since, until), in milliseconds. */
  readonly sinceMs: number;
  readonly untilMs: number;
}

export interface ShardTotals {
  readonly events: number;
  readonly replayed: number;
  readonly decisions: DecisionChange[];
  readonly rejected: RejectedReplay[];
  /** The latest event time among the events handled (null: none): where the clock runs to. */
  readonly latestTime: string | null;
}

/**
 * Re-decides the inbound events of some customers, in arrival order, and compares each routing
 * decision with the recorded one. A customer's decisions only ever read that customer's tickets
 * (another customer's ticket is refused or treated as unknown whether it exists or not), so the
 * customers can be split between shards — worker threads — without changing any decision.
 */
export class WhatIfShard {
  private readonly pipeline: InMemoryPipeline;
  private readonly decisions: DecisionChange[] = [];
  private readonly rejected: RejectedReplay[] = [];
  private events = 0;
  private replayed = 0;
  private latestTime: string | null = null;

  constructor(private readonly settings: ShardSettings) {
    this.pipeline = new InMemoryPipeline(settings.rules, settings.policy);
  }

  /** Decides one recorded event; returns the commands it emits inside the compared range. */
  handle(position: number, key: string, recorded: InboundAcceptedData | string): SequencedCommand[] {
    const record = typeof recorded === 'string' ? (JSON.parse(recorded) as InboundAcceptedData) : recorded;
    const event = restoreInbound(record.event);
    const outcome = this.pipeline.handle(key, event);
    this.replayed++;
    if (this.latestTime === null || event.time > this.latestTime) this.latestTime = event.time;
    if (!this.inRange(event.time)) return [];
    this.events++;
    if (outcome.outcome === 'rejected') {
      this.rejected.push({
        position,
        inboundId: event.id,
        source: event.source,
        type: event.type,
        customerId: event.subject,
        time: event.time,
        recordedTicketId: record.ticketId,
        error: outcome.error,
      });
      return [];
    }
    const before = record.routing;
    const after = outcome.routing?.kind ?? null;
    if (before !== null && after !== null && (before !== after || record.ticketId !== outcome.ticketId)) {
      this.decisions.push({
        position,
        inboundId: event.id,
        source: event.source,
        customerId: event.subject,
        time: event.time,
        before,
        after,
        beforeTicketId: record.ticketId,
        afterTicketId: outcome.ticketId,
      });
    }
    const commands: SequencedCommand[] = [];
    outcome.commands.forEach((command, index) => {
      if (this.inRange(command.time)) commands.push({ seq: commandSeq(position, index), command });
    });
    return commands;
  }

  totals(): ShardTotals {
    return {
      events: this.events,
      replayed: this.replayed,
      decisions: this.decisions,
      rejected: this.rejected,
      latestTime: this.latestTime,
    };
  }

  /**
   * Runs the clock to `until` after the last event: fires the timers due by then (those the recorded
   * history's scheduler fired, with the new rules); returns their commands inside the compared range,
   * numbered after every recorded position.
   */
  advance(until: string, position: number): SequencedCommand[] {
    const commands: SequencedCommand[] = [];
    this.pipeline.advanceTo(until).forEach((command, index) => {
      if (this.inRange(command.time)) commands.push({ seq: commandSeq(position, index), command });
    });
    return commands;
  }

  private inRange(time: string): boolean {
    const ms = toMillis(time);
    return ms >= this.settings.sinceMs && ms < this.settings.untilMs;
  }
}

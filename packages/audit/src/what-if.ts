import { fromMillis, toMillis, type Command, type ReopenPolicy, type RulesFile } from '@tickets/domain';
import { CommandDiff, commandSeq } from './command-diff.js';
import type { RecordedHistory } from './recorded-history.js';
import { ShardPool } from './shard-pool.js';
import { setAsideErased } from './erased-history.js';
import { everyCustomer, type CustomerReach } from './what-if-reach.js';
import type {
  DecisionChange,
  ErasedReplay,
  OutcomeChange,
  RuleCounts,
  TicketOutcome,
  WhatIfReport,
} from './what-if-report.js';

export interface WhatIfOptions {
  readonly rules: RulesFile;
  readonly policy: ReopenPolicy;
  /** Inclusive lower bound on event time (UTC). */
  readonly since?: string | undefined;
  /** Exclusive upper bound on event time (UTC). */
  readonly until?: string | undefined;
  /** Worker threads deciding customers in parallel; 0 decides in this thread. */
  readonly threads: number;
  /**
   * Decide every customer again, even those the change cannot reach (see what-if-reach.ts): the
   * report is the same, only slower; for checking that, and for tests of the deciding itself.
   */
  readonly redecideAll?: boolean;
  /** Called after each page with the store position reached. */
  readonly onProgress?: (position: number) => void;
}

/** Below this many records to decide again, worker threads cost more than they save. */
const DECIDE_INLINE_BELOW = 200_000;

/**
 * Re-decides every recorded inbound event, in arrival order, with other rules and windows — all in
 * memory, through the same domain code as the pipeline — and reports what would differ from what
 * was recorded. Events before `since` are replayed too (the state they build is what later decisions
 * stand on) but only the range is compared and reported. Nothing is written, nothing is published.
 */
export async function whatIf(history: RecordedHistory, options: WhatIfOptions): Promise<WhatIfReport> {
  const sinceMs = options.since === undefined ? Number.NEGATIVE_INFINITY : toMillis(options.since);
  const untilMs = options.until === undefined ? Number.POSITIVE_INFINITY : toMillis(options.until);
  const inRange = (time: string): boolean => {
    const ms = toMillis(time);
    return ms >= sinceMs && ms < untilMs;
  };

  const reach: CustomerReach =
    options.redecideAll === true
      ? everyCustomer('asked to decide every customer again')
      : history.reach === undefined
        ? everyCustomer('this store is read through the event store port, which cannot narrow the reach')
        : await history.reach({ rules: options.rules, policy: options.policy }, options.threads);
  // Customers outside the reach decide what was recorded: their events are counted and timed, their
  // recorded commands are the what-if's.
  const outside = { replayed: 0, events: 0, commandsUnchanged: 0, latestMs: Number.NEGATIVE_INFINITY };

  const diff = new CommandDiff();
  // A narrowed run decides few records: in this thread, rather than in workers that must be started
  // and handed every record. At 1M recorded events (146k records of 12.8k customers in reach) that
  // costs ~5% more wall time on a quiet machine and saves ~8% of the CPU and ~140 MB of memory, the
  // larger part of what kept a what-if over a month of traffic above 500 MB (docs/benchmarks.md).
  const threads = !reach.all && (reach.records ?? Number.POSITIVE_INFINITY) < DECIDE_INLINE_BELOW ? 0 : options.threads;
  const pool = new ShardPool(
    { rules: options.rules, policy: options.policy, sinceMs, untilMs },
    threads,
    (commands) => {
      for (const command of commands) diff.redecided(command);
    },
  );
  const erased: ErasedReplay[] = [];
  const erasedTickets = new Set<string>();
  let lastPosition = 0;
  let latestRecorded: string | null = null;
  try {
    for await (const page of history.pages(reach)) {
      const decidable = setAsideErased(page.inbound, erased, erasedTickets);
      for (const ms of page.skipped) {
        outside.replayed++;
        if (ms >= sinceMs && ms < untilMs) outside.events++;
        if (ms > outside.latestMs) outside.latestMs = ms;
      }
      for (const ms of page.outsideCommands) {
        if (ms >= sinceMs && ms < untilMs) outside.commandsUnchanged++;
        if (ms > outside.latestMs) outside.latestMs = ms;
      }
      for (const recorded of page.commands) {
        for (const command of recorded.commands)
          if (latestRecorded === null || command.time > latestRecorded) latestRecorded = command.time;
        recorded.commands.forEach(
          (command, index) =>
            inRange(command.time) &&
            !erasedTickets.has(command.subject) &&
            diff.recorded({ seq: commandSeq(recorded.position, index), command }),
        );
      }
      await pool.push(decidable);
      options.onProgress?.(page.lastPosition);
      lastPosition = Math.max(lastPosition, page.lastPosition);
    }
  } catch (error) {
    await pool.close();
    throw error;
  }
  // The clock runs to --until (exclusive: commands at it are outside the range anyway), else to the
  // latest event time replayed or recorded command time, whichever is later, so the timers the
  // recorded scheduler fired after a customer's last event fire here too.
  // The clock also runs past the latest event and command of the customers outside the reach, as it
  // would if they had been decided again.
  const outsideLatest = outside.latestMs === Number.NEGATIVE_INFINITY ? null : fromMillis(outside.latestMs);
  const floor =
    latestRecorded === null || (outsideLatest !== null && outsideLatest > latestRecorded)
      ? outsideLatest
      : latestRecorded;
  const totals = await pool.finish(options.until, floor, lastPosition + 1);

  const commands = diff.result();
  return {
    summary: {
      events: totals.events + outside.events,
      decisionsChanged: totals.decisions.length,
      commandsAdded: commands.added.length,
      commandsRemoved: commands.removed.length,
      commandsChanged: commands.changed.length,
      commandsUnchanged: commands.unchanged + outside.commandsUnchanged,
      rejected: totals.rejected.length,
      erased: erased.length,
      replayed: totals.replayed + outside.replayed,
    },
    reach: {
      narrowed: !reach.all,
      reason: reach.reason,
      customers: reach.all ? null : reach.customers.size,
      redecided: totals.replayed,
    },
    range: { since: options.since ?? null, until: options.until ?? null },
    transitions: countTransitions(totals.decisions),
    byRule: countByRule(commands),
    decisions: totals.decisions,
    commands: { added: commands.added, removed: commands.removed, changed: commands.changed },
    rejected: totals.rejected,
    erased,
    tickets: ticketOutcomes(commands),
  };
}

/** The command differences grouped by ticket (the command's subject), each ticket's in time order. */
function ticketOutcomes(commands: {
  added: readonly Command[];
  removed: readonly Command[];
  changed: readonly { before: Command; after: Command }[];
}): TicketOutcome[] {
  const byTicket = new Map<string, OutcomeChange[]>();
  const add = (ticketId: string, change: OutcomeChange): void => {
    const list = byTicket.get(ticketId);
    if (list === undefined) byTicket.set(ticketId, [change]);
    else list.push(change);
  };
  const head = (c: Command) => ({ ruleId: c.data.ruleId, type: c.type, commandId: c.id });
  for (const c of commands.added) {
    add(c.subject, { change: 'added', ...head(c), recordedTime: null, whatIfTime: c.time });
  }
  for (const c of commands.removed) {
    add(c.subject, { change: 'removed', ...head(c), recordedTime: c.time, whatIfTime: null });
  }
  for (const { before, after } of commands.changed) {
    add(after.subject, { change: 'changed', ...head(after), recordedTime: before.time, whatIfTime: after.time });
  }
  // In the recorded history's order; an added command where it would happen.
  const at = (c: OutcomeChange): string => c.recordedTime ?? c.whatIfTime ?? '';
  const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...byTicket.entries()]
    .sort(([a], [b]) => byText(a, b))
    .map(([ticketId, changes]) => ({ ticketId, changes: changes.sort((x, y) => byText(at(x), at(y))) }));
}

function countTransitions(decisions: readonly DecisionChange[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const d of decisions) {
    const key = `${d.before} → ${d.after}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function countByRule(commands: {
  added: readonly Command[];
  removed: readonly Command[];
  changed: readonly { after: Command }[];
}): Record<string, RuleCounts> {
  const byRule: Record<string, RuleCounts> = {};
  const counts = (ruleId: string): RuleCounts => (byRule[ruleId] ??= { added: 0, removed: 0, changed: 0 });
  for (const c of commands.added) counts(c.data.ruleId).added++;
  for (const c of commands.removed) counts(c.data.ruleId).removed++;
  for (const c of commands.changed) counts(c.after.data.ruleId).changed++;
  return Object.fromEntries(Object.entries(byRule).sort(([a], [b]) => a.localeCompare(b)));
}

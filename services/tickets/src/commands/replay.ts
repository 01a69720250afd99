import { EventTime, RuleEvaluation } from '@tickets/domain';
import { openStore, parseStoreUrl } from '@tickets/event-store';
import { ticketTimeline, type TicketTimeline, type TimelineEntry } from '@tickets/streams';
import type { z } from 'zod';
import { UsageError } from '../usage-error.js';

export interface ReplayOptions {
  readonly ticket: string;
  readonly at?: string;
  readonly store: string;
}

/** The ticket's timeline read from its stream: decisions are read from the events, never recomputed. */
export async function replay(options: ReplayOptions): Promise<TicketTimeline> {
  let at: string | undefined;
  if (options.at !== undefined) {
    const parsed = EventTime.safeParse(options.at);
    if (!parsed.success) throw new UsageError(`--at: ${JSON.stringify(options.at)} is not an RFC 3339 date-time`);
    at = parsed.data;
  }
  const { store, checkpoints } = await openStore(parseStoreUrl(options.store));
  await checkpoints.close();
  try {
    const timeline = await ticketTimeline(store, options.ticket, at === undefined ? {} : { at });
    if (timeline === null) throw new UsageError(`--ticket: no ticket ${options.ticket} in ${options.store}`);
    return timeline;
  } finally {
    await store.close();
  }
}

const show = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** A terminal rendering: one block per event, what changed, and each rule's outcome with its reasons. */
export function formatTimeline(timeline: TicketTimeline): string {
  const out: string[] = [`ticket ${timeline.ticketId}${timeline.at === null ? '' : ` at ${timeline.at}`}`];
  for (const entry of timeline.entries) out.push('', ...formatEntry(entry));
  const state = timeline.state;
  if (state !== null) {
    out.push('', `state: ${state.status}, tags [${state.tags.join(', ')}], team ${state.team ?? '-'}, reopened ${state.reopenCount}×, ${state.messageCount} messages, reopen deadline ${state.reopenDeadline ?? '-'}`);
  }
  return `${out.join('\n')}\n`;
}

function formatEntry(entry: TimelineEntry): string[] {
  const lines = [`#${entry.version} ${entry.time} ${entry.type}  (correlation ${entry.correlationId ?? '-'}${entry.source === null ? '' : `, source ${entry.source}`})`];
  const data = entry.event as Record<string, unknown>;
  if (entry.type === 'MessageReceived') {
    const routing = data['routing'] as { kind: string; reason: string };
    lines.push(`  routing: ${routing.kind} — ${routing.reason}`, `  intent: ${show(data['intent'])}`);
  }
  if (entry.type === 'TicketClosed') {
    const window = data['window'] as { duration: string; source: string; key: string | null };
    lines.push(`  window: ${window.duration} (${window.source}${window.key === null ? '' : ` ${window.key}`}), reopen deadline ${show(data['reopenDeadline'])}`);
  }
  if (entry.type === 'RulesEvaluated') {
    const trigger = data['trigger'] as { type: string; eventId: string };
    lines.push(`  rules on ${trigger.type} (${trigger.eventId}):`);
    for (const evaluation of data['evaluations'] as z.infer<typeof RuleEvaluation>[]) {
      lines.push(`    ${evaluation.ruleId}: ${evaluation.outcome}${evaluation.stoppedBy === undefined ? '' : ` by ${evaluation.stoppedBy}`}`);
      for (const c of evaluation.conditions) {
        lines.push(`      ${c.passed ? '✓' : '✗'} ${c.field} ${c.op} ${c.valueFrom ?? show(c.expected)} (was ${show(c.actual)})`);
      }
      for (const a of evaluation.actions) {
        lines.push(`      → ${a.type}: ${a.status}${a.reason === undefined ? '' : ` (${a.reason}${a.detail === undefined ? '' : `: ${a.detail}`})`}`);
      }
    }
  }
  for (const change of entry.changes) lines.push(`  ${change.field}: ${show(change.before)} → ${show(change.after)}`);
  return lines;
}

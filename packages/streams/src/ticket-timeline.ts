import { evolve, ticketStream, toMillis, type TicketEvent, type TicketState } from '@tickets/domain';
import type { EventStore, RecordedEvent } from '@tickets/event-store';
import { configOf } from './config-log.js';
import { asTicketEvent } from './stream-state.js';

export interface FieldChange {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface TimelineEntry {
  readonly position: number;
  readonly version: number;
  readonly eventId: string;
  readonly type: TicketEvent['type'];
  /** Event time. */
  readonly time: string;
  readonly correlationId: string | null;
  readonly causationId: string | null;
  readonly source: string | null;
  /** The hash of the configuration (rules, reopen policy) that made the decision; null before they were recorded. */
  readonly config: string | null;
  readonly event: TicketEvent['data'];
  /** What the event changed in the ticket state (version aside). */
  readonly changes: readonly FieldChange[];
  readonly state: TicketState | null;
}

export interface TicketTimeline {
  readonly ticketId: string;
  /** The `--at` bound, when one was given. */
  readonly at: string | null;
  readonly entries: readonly TimelineEntry[];
  readonly state: TicketState | null;
}

/** Field-by-field differences between two ticket states, ignoring the version counter. */
export function diffStates(before: TicketState | null, after: TicketState | null): FieldChange[] {
  if (after === null) return [];
  const changes: FieldChange[] = [];
  for (const field of Object.keys(after) as (keyof TicketState)[]) {
    if (field === 'version') continue;
    const a = before === null ? undefined : before[field];
    const b = after[field];
    if (JSON.stringify(a) !== JSON.stringify(b)) changes.push({ field, before: a ?? null, after: b });
  }
  return changes;
}

/**
 * The ticket's history: each event with the state after it and what changed. With `at`, the
 * timeline stops before the first event whose event time is later (the state at that moment).
 */
export async function ticketTimeline(store: EventStore, ticketId: string, options: { at?: string } = {}): Promise<TicketTimeline | null> {
  const records = await store.readStream(ticketStream(ticketId));
  if (records.length === 0) return null;
  const limit = options.at === undefined ? Number.POSITIVE_INFINITY : toMillis(options.at);
  const entries: TimelineEntry[] = [];
  let state: TicketState | null = null;
  for (const record of records) {
    const event = asTicketEvent(record);
    if (toMillis(event.data.at) > limit) break;
    const next = evolve(state, event);
    entries.push(entry(record, event, diffStates(state, next), next));
    state = next;
  }
  return { ticketId, at: options.at ?? null, entries, state };
}

function entry(record: RecordedEvent, event: TicketEvent, changes: FieldChange[], state: TicketState | null): TimelineEntry {
  const meta = record.metadata;
  return {
    position: record.position,
    version: record.version,
    eventId: record.id,
    type: event.type,
    time: event.data.at,
    correlationId: meta.correlationId ?? null,
    causationId: meta.causationId ?? null,
    source: typeof meta['source'] === 'string' ? meta['source'] : null,
    config: configOf(record),
    event: event.data,
    changes,
    state,
  };
}

import { evolve, ticketStream, toMillis, type TicketEvent, type TicketState } from '@tickets/domain/fold';
import type { EventStore, RecordedEvent } from '@tickets/event-store';
import { configOf } from './config-of.js';
import { asTicketEvent } from './trusted-events.js';

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
  /** Every entry, or with `page` the entries of that page only. */
  readonly entries: readonly TimelineEntry[];
  readonly state: TicketState | null;
  /** When a page was asked for: which one, and how many events the whole timeline has. */
  readonly page?: TimelinePage;
}

/** A window of a timeline: the events from version `from` on, at most `limit` of them. */
export interface TimelinePage {
  readonly from: number;
  readonly limit: number;
  /** Events in the whole timeline (up to `at`): the versions run from 0 to total − 1. */
  readonly total: number;
}

/** Field-by-field differences between two ticket states, ignoring the version counter. */
export function diffStates(before: TicketState | null, after: TicketState | null): FieldChange[] {
  if (after === null) return [];
  const changes: FieldChange[] = [];
  for (const field of Object.keys(after) as (keyof TicketState)[]) {
    if (field === 'version') continue;
    const a = before === null ? undefined : before[field];
    const b = after[field];
    // `evolve` keeps what it does not change (same value, same object): only the rest is serialised.
    if (a !== b && JSON.stringify(a) !== JSON.stringify(b)) changes.push({ field, before: a ?? null, after: b });
  }
  return changes;
}

/**
 * Events read from the store at a time: a long ticket is walked without holding all its events. A
 * page lives while it is folded, diffed and printed; pages of 1,000 lived long enough to be promoted
 * to the old generation, and a 10k-event replay peaked at 160 MB instead of 120 MB (the page faults
 * were a quarter of its CPU time).
 */
const READ_PAGE = 250;

/** A ticket's timeline as it is walked: its entries a page at a time, then the state they end in. */
export interface TimelineWalk {
  /** The entries in order, in pages of at most READ_PAGE (possibly empty): iterate once. */
  readonly pages: AsyncIterable<TimelineEntry[]>;
  /** Once the pages are consumed: the state after the last event folded and how many were folded. */
  readonly end: () => { readonly state: TicketState | null; readonly total: number };
}

/**
 * The ticket's history: each event with the state after it and what changed. With `at`, the
 * timeline stops before the first event whose event time is later (the state at that moment).
 * With `page`, every event is still folded (the state and the first entry's changes need them), but
 * only the page's events become entries: the diffs and the output of a long ticket are what cost.
 * Null when the ticket has no events.
 */
export async function walkTicketTimeline(
  store: EventStore,
  ticketId: string,
  options: { at?: string; page?: { from: number; limit: number } } = {},
): Promise<TimelineWalk | null> {
  const stream = ticketStream(ticketId);
  const firstRecords = await store.readStream(stream, { maxCount: READ_PAGE });
  if (firstRecords.length === 0) return null;
  const until = options.at === undefined ? undefined : toMillis(options.at);
  const first = options.page?.from ?? 0;
  const end = options.page === undefined ? Number.POSITIVE_INFINITY : first + options.page.limit;
  let state: TicketState | null = null;
  let total = 0;
  async function* pages(): AsyncGenerator<TimelineEntry[]> {
    let records = firstRecords;
    for (;;) {
      const entries: TimelineEntry[] = [];
      for (const record of records) {
        const event = asTicketEvent(record);
        // Without `at`, no event time is parsed.
        if (until !== undefined && toMillis(event.data.at) > until) {
          yield entries;
          return;
        }
        const next = evolve(state, event);
        if (total >= first && total < end) entries.push(entry(record, event, diffStates(state, next), next));
        state = next;
        total++;
      }
      yield entries;
      if (records.length < READ_PAGE) return;
      records = await store.readStream(stream, {
        fromVersion: records[records.length - 1]!.version + 1,
        maxCount: READ_PAGE,
      });
      if (records.length === 0) return;
    }
  }
  return { pages: pages(), end: () => ({ state, total }) };
}

/** The whole timeline (or one page of it) in memory; see walkTicketTimeline. */
export async function ticketTimeline(
  store: EventStore,
  ticketId: string,
  options: { at?: string; page?: { from: number; limit: number } } = {},
): Promise<TicketTimeline | null> {
  const walk = await walkTicketTimeline(store, ticketId, options);
  if (walk === null) return null;
  const entries: TimelineEntry[] = [];
  for await (const page of walk.pages) for (const one of page) entries.push(one);
  const { state, total } = walk.end();
  const timeline = { ticketId, at: options.at ?? null, entries, state };
  return options.page === undefined ? timeline : { ...timeline, page: { ...options.page, total } };
}

function entry(
  record: RecordedEvent,
  event: TicketEvent,
  changes: FieldChange[],
  state: TicketState | null,
): TimelineEntry {
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

import { parseStoreUrl } from '@tickets/event-store';
import { defaultConfig, type PiiSettings } from '@tickets/platform/config';
import type { CustomerTimeline } from '@tickets/streams/customer-timeline';
import {
  walkTicketTimeline,
  type TicketTimeline,
  type TimelineEntry,
  openDomainStore,
} from '@tickets/streams/timeline';
import { assertStoreExists } from '../existing-store.js';
import { writeJson, writeJsonObject, writeText } from '../json-output.js';
import { timeOption } from '../time-option.js';
import { UsageError } from '../usage-error.js';

export interface ReplayOptions {
  /** The configuration's personal-data settings (defaults when absent). */
  readonly pii?: PiiSettings;
  readonly ticket?: string;
  readonly customer?: string;
  readonly at?: string;
  readonly store: string;
  readonly json?: boolean;
}

/** A ticket's text, given the entries a page at a time (TicketTimelineText). */
export interface TicketText {
  add(entries: readonly TimelineEntry[]): void;
  pieces(timeline: Pick<TicketTimeline, 'ticketId' | 'at' | 'state'>): Iterable<string>;
}

/**
 * How the timeline is shown: a ticket's JSON and text are made as it is walked, a customer's text
 * formatter takes it whole. The formatters are loaded only when text is asked for.
 */
export interface ReplayOutput {
  readonly out: NodeJS.WritableStream;
  readonly ticketText: () => Promise<TicketText>;
  readonly customerText: (timeline: CustomerTimeline) => Promise<string>;
}

/**
 * A ticket's or a customer's timeline read from the store and written to `out`: decisions are read
 * from the events, never recomputed. A ticket's JSON is written a page of events at a time, so a
 * ticket of 10k events is never held whole (its 25 MB of JSON and its folded states were the cost).
 */
export async function replay(options: ReplayOptions, output: ReplayOutput): Promise<void> {
  if ((options.ticket === undefined) === (options.customer === undefined))
    throw new UsageError('replay: give --ticket ID or --customer ID');
  const at = timeOption('--at', options.at);
  const bound = at === undefined ? {} : { at };
  assertStoreExists(options.store);
  const { store, checkpoints } = await openDomainStore(
    parseStoreUrl(options.store),
    options.pii ?? defaultConfig().pii,
    {
      reachIndexes: false,
    },
  );
  await checkpoints.close();
  try {
    if (options.ticket !== undefined) {
      const walk = await walkTicketTimeline(store, options.ticket, bound);
      if (walk === null) throw new UsageError(`--ticket: no ticket ${options.ticket} in ${options.store}`);
      const head = { ticketId: options.ticket, at: at ?? null };
      if (options.json === true) {
        // The properties in TicketTimeline's order, as `JSON.stringify(timeline, null, 2)` prints them.
        await writeJsonObject(output.out, [
          { key: 'ticketId', value: () => head.ticketId },
          { key: 'at', value: () => head.at },
          { key: 'entries', pages: walk.pages },
          { key: 'state', value: () => walk.end().state },
        ]);
        return;
      }
      const text = await output.ticketText();
      for await (const page of walk.pages) text.add(page);
      await writeText(output.out, text.pieces({ ...head, state: walk.end().state }));
      return;
    }
    // Loaded here: it brings the domain's whole index, which a ticket's replay does without.
    const { customerTimeline } = await import('@tickets/streams/customer-timeline');
    const timeline = await customerTimeline(store, options.customer!, bound);
    if (timeline === null) throw new UsageError(`--customer: no customer ${options.customer!} in ${options.store}`);
    if (options.json === true) await writeJson(output.out, timeline);
    else output.out.write(await output.customerText(timeline));
  } finally {
    await store.close();
  }
}

import { parseStoreUrl } from '@tickets/event-store';
import { defaultConfig } from '@tickets/platform/config';
import {
  customerTimeline,
  ticketTimeline,
  type CustomerTimeline,
  type TicketTimeline,
  openDomainStore,
  type PiiSettings,
} from '@tickets/streams';
import { assertStoreExists } from '../existing-store.js';
import { timeOption } from '../time-option.js';
import { UsageError } from '../usage-error.js';

export interface ReplayOptions {
  /** The configuration's personal-data settings (defaults when absent). */
  readonly pii?: PiiSettings;
  readonly ticket?: string;
  readonly customer?: string;
  readonly at?: string;
  readonly store: string;
}

export type Replay =
  | { readonly kind: 'ticket'; readonly timeline: TicketTimeline }
  | { readonly kind: 'customer'; readonly timeline: CustomerTimeline };

/** A ticket's or a customer's timeline read from the store: decisions are read from the events, never recomputed. */
export async function replay(options: ReplayOptions): Promise<Replay> {
  if ((options.ticket === undefined) === (options.customer === undefined))
    throw new UsageError('replay: give --ticket ID or --customer ID');
  const at = timeOption('--at', options.at);
  const bound = at === undefined ? {} : { at };
  assertStoreExists(options.store);
  const { store, checkpoints } = await openDomainStore(
    parseStoreUrl(options.store),
    options.pii ?? defaultConfig().pii,
  );
  await checkpoints.close();
  try {
    if (options.ticket !== undefined) {
      const timeline = await ticketTimeline(store, options.ticket, bound);
      if (timeline === null) throw new UsageError(`--ticket: no ticket ${options.ticket} in ${options.store}`);
      return { kind: 'ticket', timeline };
    }
    const timeline = await customerTimeline(store, options.customer!, bound);
    if (timeline === null) throw new UsageError(`--customer: no customer ${options.customer!} in ${options.store}`);
    return { kind: 'customer', timeline };
  } finally {
    await store.close();
  }
}

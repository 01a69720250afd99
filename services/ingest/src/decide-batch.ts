import {
  decideInbound,
  domainEventId,
  evolve,
  evolveCustomer,
  inboundKey,
  TICKET_STREAM_PREFIX,
  ticketsToLoad,
  type CustomerEvent,
  type CustomerState,
  type InboundEvent,
  type ReopenPolicy,
  type TicketEvent,
  type TicketState,
} from '@tickets/domain';
import type { Json, NewEvent, StreamAppend } from '@tickets/event-store';
import { inboundAccepted, inboundStream, type Loaded, type StreamStateCache } from '@tickets/streams';
import type { EventStore } from '@tickets/event-store';
import { traceFields, type TraceContext } from '@tickets/platform';
import type { IngestResult } from './ingest-results.js';

export interface PendingInbound {
  readonly event: InboundEvent;
  /** The event as received, kept verbatim in the inbound log. */
  readonly raw: Json;
  readonly via: string;
  /** When the event was received (wall clock, operational only: never part of a decision). */
  readonly receivedAt?: string;
  /** The W3C trace context the event came with, carried into its domain events' metadata. */
  readonly trace?: TraceContext;
  readonly traceId?: string | undefined;
}

export interface BatchDecision {
  readonly appends: StreamAppend[];
  readonly results: IngestResult[];
  /** States after the batch, to put in the cache once the append has committed. */
  readonly tickets: Loaded<TicketState | null>[];
  readonly customers: Loaded<CustomerState>[];
}

/**
 * Decides a batch of inbound events in arrival order, each against the state it would see if the
 * earlier ones of the batch were already stored (group commit). Nothing is written here.
 */
export async function decideBatch(
  pending: readonly PendingInbound[],
  deps: { store: EventStore; cache: StreamStateCache; policy: ReopenPolicy },
): Promise<BatchDecision> {
  const tickets = new Map<string, Loaded<TicketState | null>>();
  const customers = new Map<string, Loaded<CustomerState>>();
  const keys = new Set<string>();
  const appends: StreamAppend[] = [];
  const results: IngestResult[] = [];

  const ticket = async (id: string) => tickets.get(id) ?? deps.cache.ticket(id);
  const customer = async (id: string) => customers.get(id) ?? deps.cache.customer(id);

  // One lookup for the whole batch: which of its events are already in the inbound log.
  const inboundKeys = pending.map(({ event }) => inboundKey(event.source, event.id));
  const logged = await deps.store.streamVersions(inboundKeys.map(inboundStream));

  for (const [i, { event, raw, via, receivedAt, trace }] of pending.entries()) {
    const key = inboundKeys[i]!;
    if (keys.has(key) || logged.has(inboundStream(key))) {
      results.push({ status: 'duplicate', id: event.id, source: event.source });
      continue;
    }
    const customerLoaded = await customer(event.subject);
    const loadedTickets = new Map<string, Loaded<TicketState | null>>();
    const states = new Map<string, TicketState>();
    for (const id of ticketsToLoad(event, customerLoaded.state)) {
      const loaded = await ticket(id);
      loadedTickets.set(id, loaded);
      if (loaded.state !== null) states.set(id, loaded.state);
    }
    const decision = decideInbound(event, { customer: customerLoaded.state, tickets: states, policy: deps.policy });
    if (decision.outcome === 'rejected') {
      const { code, message, field } = decision.error;
      results.push({ status: 'rejected', id: event.id, reasons: [{ path: field ?? '(event)', message, code }] });
      continue;
    }
    keys.add(key);
    const metadata = {
      correlationId: event.id,
      causationId: key,
      source: event.source,
      ...(receivedAt === undefined ? {} : { receivedAt }),
      ...traceFields(trace),
    };
    // Another writer may log the same event between the lookup above and our commit. The store takes
    // the same event id appended again as an idempotent no-op, not a conflict, and would commit the
    // rest of a duplicate's decision; a guard with no events fails when the inbound stream exists, and
    // the batch is decided again (the lookup then finds it).
    appends.push({ stream: inboundStream(key), expectedVersion: 'no_stream', events: [] });
    // Every stream the decision read is appended to with the revision it read — with no events
    // when the decision writes nothing there — so a decision made on a stale state never commits.
    const written = new Set(decision.writes.map((w) => w.stream));
    for (const loaded of [customerLoaded, ...loadedTickets.values()]) {
      if (!written.has(loaded.stream)) appends.push({ stream: loaded.stream, expectedVersion: expected(loaded.revision), events: [] });
    }
    let index = 0;
    for (const write of decision.writes) {
      const events: NewEvent[] = write.events.map((e) => ({
        id: domainEventId(key, index++),
        type: e.type,
        data: e.data as unknown as Json,
        metadata,
      }));
      if (write.stream.startsWith(TICKET_STREAM_PREFIX)) {
        const id = write.stream.slice(TICKET_STREAM_PREFIX.length);
        const before = loadedTickets.get(id) ?? (await ticket(id));
        appends.push({ stream: write.stream, expectedVersion: expected(before.revision), events });
        let state = before.state;
        for (const e of write.events) state = evolve(state, e as TicketEvent);
        tickets.set(id, { stream: write.stream, revision: before.revision + events.length, state });
      } else {
        const before = customerLoaded;
        appends.push({ stream: write.stream, expectedVersion: expected(before.revision), events });
        let state = before.state;
        for (const e of write.events) state = evolveCustomer(state, e as CustomerEvent);
        customers.set(event.subject, { stream: write.stream, revision: before.revision + events.length, state });
      }
    }
    // The inbound log comes last: it marks the event as done. Where appends to several streams are
    // not atomic (EventStoreDB), a crash before it means the event is decided again on redelivery
    // (at least once) instead of being taken for a duplicate with its decision half written.
    appends.push({
      stream: inboundStream(key),
      expectedVersion: 'no_stream',
      events: [inboundAccepted(key, event, raw, { via, ticketId: decision.ticketId, routing: decision.routing?.kind ?? null })],
    });
    results.push({
      status: 'accepted',
      id: event.id,
      source: event.source,
      ticketId: decision.ticketId,
      routing: decision.routing?.kind ?? null,
    });
  }
  return { appends, results, tickets: [...tickets.values()], customers: [...customers.values()] };
}

const expected = (revision: number): number | 'no_stream' => (revision < 0 ? 'no_stream' : revision);

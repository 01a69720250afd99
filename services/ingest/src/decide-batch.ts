import {
  customerStream,
  decide,
  inboundKey,
  ticketsToLoad,
  ticketStream,
  type CustomerHistory,
  type Decided,
  type InboundEvent,
  type ReopenPolicy,
  type RuleDecision,
  type RulesFile,
  type TicketState,
} from '@tickets/domain';
import type { EventStore, Json, NewEvent, StreamAppend } from '@tickets/event-store';
import { traceFields, type TraceContext } from '@tickets/platform';
import { CONFIG_METADATA, inboundAccepted, inboundStream, type Loaded, type StreamStateCache } from '@tickets/streams';
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

/** What the rules decided for one accepted event: for metrics and logs once committed. */
export interface RulesDecided {
  readonly ticketId: string;
  readonly correlationId: string;
  readonly traceId: string | undefined;
  readonly rules: readonly RuleDecision[];
}

export interface BatchDecision {
  readonly appends: StreamAppend[];
  readonly results: IngestResult[];
  readonly rules: RulesDecided[];
  /** States after the batch, to put in the cache once the append has committed. */
  readonly tickets: Loaded<TicketState | null>[];
  readonly customers: Loaded<CustomerHistory>[];
}

export interface DecideBatchDeps {
  readonly store: EventStore;
  readonly cache: StreamStateCache;
  readonly rules: RulesFile;
  readonly policy: ReopenPolicy;
  /** The hash of `rules` and `policy` as recorded in the configuration log: every event names it. */
  readonly configHash: string;
}

/**
 * Decides a batch of inbound events in arrival order — routing and rules, one `decide` each —
 * each against the state it would see if the earlier ones of the batch were already stored (group
 * commit). Everything a decision makes goes into the batch's appends: routing events, rule
 * decisions and their changes, the commands (inside RulesEvaluated: the outbox) and the inbound
 * record. Nothing is written here.
 */
export async function decideBatch(pending: readonly PendingInbound[], deps: DecideBatchDeps): Promise<BatchDecision> {
  const tickets = new Map<string, Loaded<TicketState | null>>();
  const customers = new Map<string, Loaded<CustomerHistory>>();
  const keys = new Set<string>();
  const appends: StreamAppend[] = [];
  const results: IngestResult[] = [];
  const rules: RulesDecided[] = [];

  const ticket = async (id: string) => tickets.get(id) ?? deps.cache.ticket(id);
  const customer = async (id: string) => customers.get(id) ?? deps.cache.customer(id);

  // One lookup for the whole batch: which of its events are already in the inbound log.
  const inboundKeys = pending.map(({ event }) => inboundKey(event.source, event.id));
  const logged = await deps.store.streamVersions(inboundKeys.map(inboundStream));

  for (const [i, { event, raw, via, receivedAt, trace, traceId }] of pending.entries()) {
    const key = inboundKeys[i]!;
    if (keys.has(key) || logged.has(inboundStream(key))) {
      results.push({ status: 'duplicate', id: event.id, source: event.source });
      continue;
    }
    const customerLoaded = await customer(event.subject);
    const loadedTickets = new Map<string, Loaded<TicketState | null>>();
    const states = new Map<string, TicketState>();
    for (const id of ticketsToLoad(event, customerLoaded.state.state)) {
      const loaded = await ticket(id);
      loadedTickets.set(id, loaded);
      if (loaded.state !== null) states.set(id, loaded.state);
    }
    const decision = decide(key, event, { customer: customerLoaded.state, tickets: states, rules: deps.rules, policy: deps.policy });
    if (decision.outcome === 'rejected') {
      const { code, message, field } = decision.error;
      results.push({ status: 'rejected', id: event.id, reasons: [{ path: field ?? '(event)', message, code }] });
      continue;
    }
    keys.add(key);
    const received = receivedAt === undefined ? {} : { receivedAt };
    // Which configuration made the decision: an audit decides it again under that one.
    const config = { [CONFIG_METADATA]: deps.configHash };
    const traced = traceFields(trace);
    // Routing events name the inbound event (and its source) as their cause; rule decisions and
    // their changes name the ticket event that triggered them.
    const toNew = ({ id, causationId, event: e }: Decided<{ type: string; data: unknown }>): NewEvent => ({
      id,
      type: e.type,
      data: e.data as Json,
      metadata:
        causationId === key
          ? { correlationId: event.id, causationId, source: event.source, ...received, ...traced, ...config }
          : { correlationId: event.id, causationId, ...received, ...traced, ...config },
    });

    // Another writer may log the same event between the lookup above and our commit. The store takes
    // the same event id appended again as an idempotent no-op, not a conflict, and would commit the
    // rest of a duplicate's decision; a guard with no events fails when the inbound stream exists, and
    // the batch is decided again (the lookup then finds it).
    appends.push({ stream: inboundStream(key), expectedVersion: 'no_stream', events: [] });
    // Every stream the decision read is appended to with the revision it read — with no events
    // when the decision writes nothing there — so a decision made on a stale state never commits.
    const ticketWritten = decision.ticket === null ? null : ticketStream(decision.ticket.ticketId);
    const customerWritten = decision.customer.events.length > 0;
    for (const loaded of loadedTickets.values()) {
      if (loaded.stream !== ticketWritten) appends.push({ stream: loaded.stream, expectedVersion: expected(loaded.revision), events: [] });
    }
    if (decision.ticket !== null) {
      const before = loadedTickets.get(decision.ticket.ticketId) ?? (await ticket(decision.ticket.ticketId));
      const events = decision.ticket.events.map(toNew);
      appends.push({ stream: before.stream, expectedVersion: expected(before.revision), events });
      tickets.set(decision.ticket.ticketId, { stream: before.stream, revision: before.revision + events.length, state: decision.ticket.state });
    }
    const events = decision.customer.events.map(toNew);
    appends.push({ stream: customerLoaded.stream, expectedVersion: expected(customerLoaded.revision), events });
    if (customerWritten) {
      customers.set(event.subject, { stream: customerStream(event.subject), revision: customerLoaded.revision + events.length, state: decision.customer.history });
    }
    // The inbound log comes last: it marks the event as done. Every store commits a batch's appends
    // all or nothing (KurrentDB through one multi-stream append), so a crash leaves either the whole
    // decision or none of it, and a redelivery finds the event logged or decides it afresh.
    const record = inboundAccepted(key, event, raw, { via, ticketId: decision.ticketId, routing: decision.routing?.kind ?? null });
    appends.push({ stream: inboundStream(key), expectedVersion: 'no_stream', events: [{ ...record, metadata: { ...record.metadata, ...config } }] });
    results.push({ status: 'accepted', id: event.id, source: event.source, ticketId: decision.ticketId, routing: decision.routing?.kind ?? null });
    if (decision.rules.length > 0) rules.push({ ticketId: decision.ticketId, correlationId: event.id, traceId, rules: decision.rules });
  }
  return { appends, results, rules, tickets: [...tickets.values()], customers: [...customers.values()] };
}

const expected = (revision: number): number | 'no_stream' => (revision < 0 ? 'no_stream' : revision);

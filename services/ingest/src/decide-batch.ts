import {
  customerStream,
  decide,
  decideTimers,
  inboundKey,
  timersToLoad,
  ticketsToLoad,
  type CustomerHistory,
  type Decided,
  type InboundEvent,
  type ReopenPolicy,
  type RuleDecision,
  type RulesFile,
  type TicketState,
  type TicketWrite,
  type CustomerWrite,
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

/**
 * The clock passed `until` (event time) for a customer: fire their timers due by then, through the
 * same decision path (the scheduler, `simulate --until`). Idempotent by timer id: a timer that
 * already fired is no longer pending, and a concurrent firing conflicts on the ticket's version.
 */
export interface PendingClock {
  readonly kind: 'clock';
  readonly customerId: string;
  readonly until: string;
}

/** What firing one customer's due timers did. */
export interface ClockResult {
  readonly status: 'clock';
  readonly customerId: string;
  readonly fired: number;
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
  readonly results: (IngestResult | ClockResult)[];
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
export async function decideBatch(
  pending: readonly (PendingInbound | PendingClock)[],
  deps: DecideBatchDeps,
): Promise<BatchDecision> {
  const tickets = new Map<string, Loaded<TicketState | null>>();
  const customers = new Map<string, Loaded<CustomerHistory>>();
  const keys = new Set<string>();
  const appends: StreamAppend[] = [];
  const results: (IngestResult | ClockResult)[] = [];
  const rules: RulesDecided[] = [];

  const ticket = async (id: string) => tickets.get(id) ?? deps.cache.ticket(id);
  const customer = async (id: string) => customers.get(id) ?? deps.cache.customer(id);

  /**
   * Appends what a decision wrote, each stream with the revision the decision read — and every
   * stream it read but did not write with no events — so a decision made on a stale state never
   * commits; then remembers the states after it for the next decisions of the batch.
   */
  const appendWrites = async (
    read: ReadonlyMap<string, Loaded<TicketState | null>>,
    customerLoaded: Loaded<CustomerHistory>,
    written: readonly TicketWrite[],
    customerWrite: CustomerWrite,
    toNew: (d: Decided<{ type: string; data: unknown }>) => NewEvent,
  ): Promise<void> => {
    const writtenIds = new Set(written.map((w) => w.ticketId));
    for (const [id, loaded] of read) {
      if (!writtenIds.has(id))
        appends.push({ stream: loaded.stream, expectedVersion: expected(loaded.revision), events: [] });
    }
    for (const write of written) {
      const before = read.get(write.ticketId) ?? (await ticket(write.ticketId));
      const events = write.events.map(toNew);
      appends.push({ stream: before.stream, expectedVersion: expected(before.revision), events });
      tickets.set(write.ticketId, {
        stream: before.stream,
        revision: before.revision + events.length,
        state: write.state,
      });
    }
    const events = customerWrite.events.map(toNew);
    appends.push({ stream: customerLoaded.stream, expectedVersion: expected(customerLoaded.revision), events });
    if (events.length > 0) {
      customers.set(customerWrite.customerId, {
        stream: customerStream(customerWrite.customerId),
        revision: customerLoaded.revision + events.length,
        state: customerWrite.history,
      });
    }
  };

  /**
   * A decision that writes nothing (a rejection, no timer due) was still made on states that may come
   * from the cache, which another writer (another ingest instance, the timer scheduler) can have moved
   * on: guards with no events make the commit check those revisions, so a stale "no such ticket" fails
   * the batch and it is decided again on fresh state instead of answering wrongly.
   */
  const guardReads = (
    customerLoaded: Loaded<CustomerHistory>,
    read: ReadonlyMap<string, Loaded<TicketState | null>>,
  ) => {
    appends.push({ stream: customerLoaded.stream, expectedVersion: expected(customerLoaded.revision), events: [] });
    for (const loaded of read.values())
      appends.push({ stream: loaded.stream, expectedVersion: expected(loaded.revision), events: [] });
  };

  const load = async (ids: readonly string[]) => {
    const loadedTickets = new Map<string, Loaded<TicketState | null>>();
    const states = new Map<string, TicketState>();
    for (const id of ids) {
      const loaded = await ticket(id);
      loadedTickets.set(id, loaded);
      if (loaded.state !== null) states.set(id, loaded.state);
    }
    return { loadedTickets, states };
  };

  // One lookup for the whole batch: which of its events are already in the inbound log.
  const inboundKeys = pending.map((item) => ('kind' in item ? '' : inboundKey(item.event.source, item.event.id)));
  const logged = await deps.store.streamVersions(inboundKeys.filter((k) => k !== '').map(inboundStream));

  for (const [i, item] of pending.entries()) {
    if ('kind' in item) {
      const customerLoaded = await customer(item.customerId);
      const { loadedTickets, states } = await load(timersToLoad(customerLoaded.state.state, item.until));
      if (loadedTickets.size === 0) {
        guardReads(customerLoaded, loadedTickets);
        results.push({ status: 'clock', customerId: item.customerId, fired: 0 });
        continue;
      }
      const decision = decideTimers(item.until, {
        customer: customerLoaded.state,
        tickets: states,
        rules: deps.rules,
        policy: deps.policy,
      });
      // A fired timer's events name the timer as their correlation: no inbound event caused them.
      const timers = firedTimers(decision.tickets);
      const toNew = ({ id, causationId, event: e }: Decided<{ type: string; data: unknown }>): NewEvent => ({
        id,
        type: e.type,
        data: e.data as Json,
        metadata: {
          correlationId: timers.correlation(id, causationId) ?? item.customerId,
          causationId,
          [CONFIG_METADATA]: deps.configHash,
        },
      });
      await appendWrites(loadedTickets, customerLoaded, decision.tickets, decision.customer, toNew);
      results.push({ status: 'clock', customerId: item.customerId, fired: decision.fired.length });
      if (decision.rules.length > 0) {
        for (const write of decision.tickets) {
          rules.push({
            ticketId: write.ticketId,
            correlationId: item.customerId,
            traceId: undefined,
            rules: decision.rules.filter((r) => write.events.some((e) => e.id === r.triggerEventId)),
          });
        }
      }
      continue;
    }
    const { event, raw, via, receivedAt, trace, traceId } = item;
    const key = inboundKeys[i]!;
    if (keys.has(key) || logged.has(inboundStream(key))) {
      results.push({ status: 'duplicate', id: event.id, source: event.source });
      continue;
    }
    const customerLoaded = await customer(event.subject);
    const { loadedTickets, states } = await load(ticketsToLoad(event, customerLoaded.state.state));
    const decision = decide(key, event, {
      customer: customerLoaded.state,
      tickets: states,
      rules: deps.rules,
      policy: deps.policy,
    });
    if (decision.outcome === 'rejected') {
      guardReads(customerLoaded, loadedTickets);
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
    // their changes name the ticket event that triggered them. Timers that fired first are the
    // timer's own decision, correlated with the timer, whichever event made them fire.
    const timers = firedTimers(decision.tickets);
    const toNew = ({ id, causationId, event: e }: Decided<{ type: string; data: unknown }>): NewEvent => {
      const timer = timers.correlation(id, causationId);
      if (timer !== null)
        return { id, type: e.type, data: e.data as Json, metadata: { correlationId: timer, causationId, ...config } };
      return {
        id,
        type: e.type,
        data: e.data as Json,
        metadata:
          causationId === key
            ? { correlationId: event.id, causationId, source: event.source, ...received, ...traced, ...config }
            : { correlationId: event.id, causationId, ...received, ...traced, ...config },
      };
    };

    // Another writer may log the same event between the lookup above and our commit. The store takes
    // the same event id appended again as an idempotent no-op, not a conflict, and would commit the
    // rest of a duplicate's decision; a guard with no events fails when the inbound stream exists, and
    // the batch is decided again (the lookup then finds it).
    appends.push({ stream: inboundStream(key), expectedVersion: 'no_stream', events: [] });
    await appendWrites(loadedTickets, customerLoaded, decision.tickets, decision.customer, toNew);
    // The inbound log comes last: it marks the event as done. Every store commits a batch's appends
    // all or nothing (KurrentDB through one multi-stream append), so a crash leaves either the whole
    // decision or none of it, and a redelivery finds the event logged or decides it afresh.
    const record = inboundAccepted(key, event, raw, {
      via,
      ticketId: decision.ticketId,
      routing: decision.routing?.kind ?? null,
    });
    appends.push({
      stream: inboundStream(key),
      expectedVersion: 'no_stream',
      events: [{ ...record, metadata: { ...record.metadata, ...config } }],
    });
    results.push({
      status: 'accepted',
      id: event.id,
      source: event.source,
      ticketId: decision.ticketId,
      routing: decision.routing?.kind ?? null,
    });
    if (decision.rules.length > 0)
      rules.push({ ticketId: decision.ticketId, correlationId: event.id, traceId, rules: decision.rules });
  }
  return { appends, results, rules, tickets: [...tickets.values()], customers: [...customers.values()] };
}

const expected = (revision: number): number | 'no_stream' => (revision < 0 ? 'no_stream' : revision);

/**
 * The timers that fired in a decision, to correlate what each firing made with its timer: the
 * TimerFired event by its own id, everything it caused (rule decision, changes, timers, the
 * customer's index) by their causation.
 */
function firedTimers(written: readonly TicketWrite[]): { correlation(id: string, causationId: string): string | null } {
  const byFiredId = new Map<string, string>();
  for (const write of written) {
    for (const { id, event } of write.events) if (event.type === 'TimerFired') byFiredId.set(id, event.data.timerId);
  }
  return { correlation: (id, causationId) => byFiredId.get(id) ?? byFiredId.get(causationId) ?? null };
}

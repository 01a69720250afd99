import {
  CUSTOMER_STREAM_PREFIX,
  customerStream,
  decide,
  emptyCustomerHistory,
  evolve,
  extendCustomerHistory,
  isErased,
  restoreInbound,
  TICKET_STREAM_PREFIX,
  ticketStream,
  type CustomerHistory,
  type Decided,
  type InboundEvent,
  type TicketState,
} from '@tickets/domain';
import { OpenedStoredEvent, type Json, type RecordedEvent } from '@tickets/event-store';
import {
  asCustomerEvent,
  asTicketEvent,
  CONFIG_STREAM_PREFIX,
  configOf,
  customerIdOf,
  INBOUND_STREAM_PREFIX,
  readConfiguration,
  type Configuration,
  type InboundAcceptedData,
} from '@tickets/streams';
import { rulesEvaluatedAsRecordedThen } from './command-compat.js';
import { eventRef } from './event-ref.js';
import { jsonDifferences } from './json-equal.js';
import { StoredEvent } from './sqlite-stored.js';
import type { RedecisionMismatch, RedecisionReport } from './verify-report.js';

/** The streams re-decision reads, in global order. */
export const REDECISION_PREFIXES = [
  CONFIG_STREAM_PREFIX,
  TICKET_STREAM_PREFIX,
  CUSTOMER_STREAM_PREFIX,
  INBOUND_STREAM_PREFIX,
];

/**
 * Decides every recorded decision again — from its recorded input (the inbound log record), in
 * arrival order, on the state the decisions before it made again, under the configuration its
 * events name — through the same `decide` as the ingest (as InMemoryPipeline does), and compares
 * what it makes with what is stored, event by event and field by field.
 *
 * A decision's events are appended in one transaction before its inbound record, so they are read
 * first: they wait here, grouped by the decision that caused them, until the record comes. Events
 * that name no configuration (written before configurations were recorded, or not made by a
 * decision: an erasure) are folded as they come and not re-decided.
 */
export class Redecision {
  private readonly configurations = new Map<string, Configuration | { invalid: string }>();
  private readonly tickets = new Map<string, TicketState>();
  private readonly customers = new Map<string, CustomerHistory>();
  /** Events of decisions whose inbound record is not read yet, by inbound key. */
  private readonly waiting = new Map<string, RecordedEvent[]>();
  /** Routing events waiting with their decision: the rules' events name them as their cause. */
  private readonly decisionOf = new Map<string, string>();
  private readonly mismatches: RedecisionMismatch[] = [];
  private decisions = 0;
  private compared = 0;
  private erased = 0;
  private unrecorded = 0;
  /** Timers seen set: what a fired timer's decision is correlated with (docs/timers.md). */
  private readonly timers = new Set<string>();

  accept(recorded: RecordedEvent): void {
    const { stream } = recorded;
    if (recorded.type === 'TimerSet') this.timers.add(String((recorded.data as { timerId?: unknown }).timerId));
    // A fired timer's decision has no inbound record (the clock or the customer's next event fired
    // it): it is folded as it comes, so a decision made again after it finds it fired, as the
    // ingest did. verify's timer checks (decision-audit) hold it to its due time.
    const correlation = recorded.metadata.correlationId;
    if (correlation !== undefined && this.timers.has(correlation) && !stream.startsWith(INBOUND_STREAM_PREFIX)) {
      this.fold(recorded);
      return;
    }
    if (stream.startsWith(INBOUND_STREAM_PREFIX)) {
      if (recorded.type === 'InboundAccepted') this.inboundRecord(recorded, stream.slice(INBOUND_STREAM_PREFIX.length));
    } else if (stream.startsWith(CONFIG_STREAM_PREFIX)) {
      const read = readConfiguration(recorded);
      const hash = stream.slice(CONFIG_STREAM_PREFIX.length);
      if (read.ok) this.configurations.set(hash, read.value.configuration);
      else {
        this.configurations.set(hash, { invalid: read.reason });
        this.fail('configuration', null, recorded, null, null, null, read.reason);
      }
    } else if (configOf(recorded) === null) this.fold(recorded);
    else this.wait(recorded);
  }

  /** Findings so far: how a caller tells which event it was reading when each was found. */
  get found(): number {
    return this.mismatches.length;
  }

  /** What is still waiting once every event was read: events no inbound record accounts for. */
  finish(): RedecisionReport {
    for (const [key, events] of this.waiting) {
      for (const event of events)
        this.fail(
          'unexpected_event',
          key,
          event,
          null,
          null,
          null,
          'names a configuration, but no inbound record accounts for it',
        );
    }
    this.waiting.clear();
    this.decisionOf.clear();
    return {
      configurations: [...this.configurations.keys()],
      decisions: this.decisions,
      events: this.compared,
      erased: this.erased,
      unrecorded: this.unrecorded,
      mismatches: this.mismatches,
    };
  }

  private wait(recorded: RecordedEvent): void {
    const cause = recorded.metadata.causationId ?? recorded.id;
    const key = this.decisionOf.get(cause) ?? cause;
    if (key === cause) this.decisionOf.set(recorded.id, key);
    let events = this.waiting.get(key);
    if (events === undefined) this.waiting.set(key, (events = []));
    events.push(recorded);
  }

  private fold(recorded: RecordedEvent): void {
    const { stream } = recorded;
    if (stream.startsWith(TICKET_STREAM_PREFIX)) {
      const ticketId = stream.slice(TICKET_STREAM_PREFIX.length);
      const state = evolve(this.tickets.get(ticketId) ?? null, asTicketEvent(recorded));
      if (state === null) this.tickets.delete(ticketId);
      else this.tickets.set(ticketId, state);
    } else if (stream.startsWith(CUSTOMER_STREAM_PREFIX)) {
      const customerId = customerIdOf(stream);
      this.customers.set(
        customerId,
        extendCustomerHistory(this.customers.get(customerId) ?? emptyCustomerHistory(customerId), [
          asCustomerEvent(recorded),
        ]),
      );
    }
  }

  private inboundRecord(recorded: RecordedEvent, key: string): void {
    const stored = this.waiting.get(key) ?? [];
    this.waiting.delete(key);
    for (const event of stored) this.decisionOf.delete(event.id);
    // Later decisions read what this one made again, as they read what it made the first time: an
    // edited event is then found once, where it is, not again in every decision after it. A decision
    // that cannot be made again leaves what is stored.
    if (!this.redecide(recorded, key, stored)) for (const event of stored) this.fold(event);
  }

  /** False when the decision could not be made again (the caller folds the stored events instead). */
  private redecide(recorded: RecordedEvent, key: string, stored: readonly RecordedEvent[]): boolean {
    const hash = configOf(recorded);
    if (hash === null) {
      this.unrecorded++;
      for (const event of stored)
        this.fail(
          'unexpected_event',
          key,
          event,
          'metadata.config',
          configOf(event),
          null,
          'names a configuration, but its inbound record names none',
        );
      return false;
    }
    const configuration = this.configurations.get(hash);
    if (configuration === undefined || 'invalid' in configuration) {
      this.fail(
        'configuration',
        key,
        recorded,
        'metadata.config',
        hash,
        null,
        configuration === undefined
          ? `configuration ${hash} is not recorded before this decision`
          : `configuration ${hash} is not valid`,
      );
      return false;
    }
    const record = recorded.data as unknown as InboundAcceptedData;
    // Crypto-shredded: the input is gone, so the decision cannot be made again (its events still count as state).
    if (isErased((record.event as { data?: unknown } | null)?.data)) {
      this.erased++;
      return false;
    }
    let event: InboundEvent;
    try {
      event = restoreInbound(record.event);
    } catch (error) {
      this.fail(
        'rejected',
        key,
        recorded,
        'data.event',
        'accepted',
        `unreadable: ${error instanceof Error ? error.message : String(error)}`,
        'the recorded inbound event cannot be read back',
      );
      return false;
    }
    this.decisions++;
    const customer = this.customers.get(event.subject) ?? emptyCustomerHistory(event.subject);
    const decision = decide(key, event, {
      customer,
      tickets: this.tickets,
      rules: configuration.rules,
      policy: configuration.policy,
    });
    if (decision.outcome === 'rejected') {
      this.fail(
        'rejected',
        key,
        recorded,
        'outcome',
        'accepted',
        `rejected (${decision.error.code})`,
        decision.error.message,
      );
      return false;
    }
    const differs = (field: string, was: unknown, now: unknown) =>
      this.fail('differs', key, recorded, field, was, now, 'the inbound record says otherwise than the decision');
    if (record.ticketId !== decision.ticketId) differs('data.ticketId', record.ticketId, decision.ticketId);
    if (record.routing !== (decision.routing?.kind ?? null))
      differs('data.routing', record.routing, decision.routing?.kind ?? null);

    const byId = new Map(stored.map((e) => [e.id, e]));
    const expected: { stream: string; made: Decided<{ type: string; data: unknown }> }[] = [];
    if (decision.ticket !== null)
      for (const made of decision.ticket.events)
        expected.push({ stream: ticketStream(decision.ticket.ticketId), made });
    for (const made of decision.customer.events)
      expected.push({ stream: customerStream(decision.customer.customerId), made });
    const lastVersion = new Map<string, number>();
    for (const { stream, made } of expected) {
      const found = byId.get(made.id);
      if (found === undefined) {
        this.fail(
          'missing_event',
          key,
          recorded,
          null,
          null,
          { stream, id: made.id, type: made.event.type },
          `the decision makes ${made.event.type} ${made.id} on ${stream}; it is not stored`,
        );
        continue;
      }
      byId.delete(made.id);
      this.compared++;
      const mismatch = (field: string, was: unknown, now: unknown) =>
        this.fail('differs', key, found, field, was, now, '');
      if (found.stream !== stream) mismatch('stream', found.stream, stream);
      const previous = lastVersion.get(found.stream);
      if (previous !== undefined && found.version <= previous)
        this.fail(
          'order',
          key,
          found,
          'version',
          found.version,
          `after #${previous}`,
          'stored out of the order the decision makes its events in',
        );
      lastVersion.set(found.stream, found.version);
      // Read straight from a file, the stored JSON text is what the ingest wrote for the same event:
      // the same text is the same event, without parsing it; anything else is compared field by field.
      // Sealed, the same text once sealed and the same values (OpenedStoredEvent.holds) are the same event.
      const same =
        found instanceof StoredEvent
          ? found.type === made.event.type && found.raw === JSON.stringify(made.event.data)
          : found instanceof OpenedStoredEvent && found.holds(made.event.type, made.event.data as Json);
      if (!same)
        for (const d of jsonDifferences(
          { type: found.type, data: found.data },
          {
            type: made.event.type,
            data:
              made.event.type === 'RulesEvaluated'
                ? rulesEvaluatedAsRecordedThen(found.data, made.event.data)
                : made.event.data,
          },
        ))
          mismatch(d.path, d.stored, d.redecided);
      if (found.metadata.causationId !== made.causationId)
        mismatch('metadata.causationId', found.metadata.causationId ?? null, made.causationId);
      if (found.metadata.correlationId !== event.id)
        mismatch('metadata.correlationId', found.metadata.correlationId ?? null, event.id);
      if (configOf(found) !== hash) mismatch('metadata.config', configOf(found), hash);
    }
    for (const extra of byId.values())
      this.fail(
        'unexpected_event',
        key,
        extra,
        null,
        { type: extra.type, data: extra.data },
        null,
        'stored with this decision, but the decision does not make it',
      );
    if (decision.ticket !== null) this.tickets.set(decision.ticket.ticketId, decision.ticket.state);
    this.customers.set(decision.customer.customerId, decision.customer.history);
    return true;
  }

  private fail(
    kind: RedecisionMismatch['kind'],
    inbound: string | null,
    recorded: RecordedEvent,
    field: string | null,
    stored: unknown,
    redecided: unknown,
    message: string,
  ): void {
    this.mismatches.push({
      kind,
      inbound,
      event: eventRef(recorded),
      stream: recorded.stream,
      field,
      stored: stored ?? null,
      redecided: redecided ?? null,
      message,
    });
  }
}

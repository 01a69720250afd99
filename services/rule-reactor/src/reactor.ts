import {
  customerAsOf,
  customerStream,
  domainEventId,
  evaluateRules,
  TICKET_STREAM_PREFIX,
  ticketStream,
  triggerOf,
  triggersListenedTo,
  type ReopenPolicy,
  type RuleEvaluation,
  type RulesFile,
  type Trigger,
} from '@tickets/domain';
import { isConcurrencyError, retryOnConflict, type CheckpointStore, type EventStore, type Json, type NewEvent, type RecordedEvent } from '@tickets/event-store';
import { noopMetrics, readTraceContext, startStageSpan, traceFields, type Logger, type PipelineMetrics } from '@tickets/platform';
import { asCustomerEvent, asTicketEvent, customerIdOf, subscriberLoop, type SubscriberLoop } from '@tickets/streams';
import { PendingStreams } from './pending-streams.js';
import { StreamRecordsCache } from './stream-records-cache.js';
import { TicketCache } from './ticket-cache.js';
import { ticketContext } from './trigger-context.js';

export const REACTOR_SUBSCRIBER = 'rule-reactor';

export interface ReactorOptions {
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  readonly rules: RulesFile;
  readonly policy: ReopenPolicy;
  readonly logger: Logger;
  readonly batchSize?: number;
  /** Customer stream records kept in memory between batches (default 20,000). */
  readonly maxCachedRecords?: number;
  /** Tickets whose folded state is kept between batches (default 10,000). */
  readonly maxCachedTickets?: number;
  /** Rule firings, suppressions, append latency (no-op when absent). */
  readonly metrics?: PipelineMetrics;
}

export type Reactor = SubscriberLoop;

/** A ticket event some rule listens to, with its ticket. */
interface TriggerIn {
  readonly recorded: RecordedEvent;
  readonly trigger: Trigger;
  readonly ticketId: string;
}

/** What one decision did, for metrics and logs once recorded. */
interface Decided {
  readonly ticketId: string;
  readonly correlationId: string;
  readonly traceId: string | undefined;
  readonly trigger: Trigger;
  readonly at: string;
  readonly evaluations: readonly RuleEvaluation[];
}

/**
 * Evaluates the rules on each triggering ticket event, in global order, and records the decision
 * (and the ticket changes it makes) on the ticket's stream. Commands leave through the relay, which
 * reads these records: a crash between the two loses nothing, and a re-run finds the decision
 * already recorded and does not decide twice.
 */
export function createReactor(options: ReactorOptions): Reactor {
  const { store, checkpoints, rules, policy, logger } = options;
  const batchSize = options.batchSize ?? 1_000;
  const triggersInUse = triggersListenedTo(rules);
  const tickets = new TicketCache(options.maxCachedTickets);
  const customers = new StreamRecordsCache(store, options.maxCachedRecords, (stream) => tickets.forgetCustomer(customerIdOf(stream)));
  const metrics = options.metrics ?? noopMetrics;

  /** A ticket event some rule listens to, with its ticket; null for every other event. */
  function triggerIn(recorded: RecordedEvent): TriggerIn | null {
    if (!recorded.stream.startsWith(TICKET_STREAM_PREFIX)) return null;
    const trigger = triggerOf(asTicketEvent(recorded));
    // No rule listens to this trigger: nothing to decide or record.
    if (trigger === null || !triggersInUse.has(trigger)) return null;
    return { recorded, trigger, ticketId: recorded.stream.slice(TICKET_STREAM_PREFIX.length) };
  }

  /** Decides one trigger on the batch's streams; its events join them, not the store yet. */
  async function decide(streams: PendingStreams, { recorded, trigger, ticketId }: TriggerIn): Promise<Decided | null> {
    const stream = ticketStream(ticketId);
    // A cached ticket's customer stream is read first: if the customer was erased since, the cached
    // (decrypted) ticket is dropped before anything is decided on it.
    const knownCustomer = tickets.customerOf(stream);
    if (knownCustomer !== undefined) await streams.customer(customerStream(knownCustomer));
    const context = ticketContext(await streams.ticket(stream, recorded), recorded);
    if (context === null) return null;
    tickets.setPrefix(stream, context.before);
    if (context.alreadyDecided) return null;
    const customerId = context.ticket.customer.id;
    const customerRecords = await streams.customer(customerStream(customerId));
    const correlationId = recorded.metadata.correlationId ?? recorded.id;
    const at = asTicketEvent(recorded).data.at;
    // The trace the inbound event came with, handed on to the decision and so to its commands.
    const span = startStageSpan('tickets.rule-reactor', readTraceContext(recorded.metadata), { 'tickets.trigger': trigger });
    try {
      const decision = evaluateRules({
        trigger,
        event: { id: recorded.id, version: recorded.version, at, correlationId },
        previous: context.previous,
        ticket: context.ticket,
        message: context.message,
        customer: customerAsOf(customerId, customerRecords.map(asCustomerEvent), at),
        rules,
        policy,
      });
      const { receivedAt } = recorded.metadata;
      const metadata = { correlationId, causationId: recorded.id, ...(receivedAt === undefined ? {} : { receivedAt }), ...traceFields(span.trace) };
      let index = 0;
      const toNew = (e: { type: string; data: unknown }): NewEvent => ({ id: domainEventId(recorded.id, index++), type: e.type, data: e.data as Json, metadata });
      streams.add(ticketStream(ticketId), [{ type: 'RulesEvaluated', data: decision.evaluated }, ...decision.ticketEvents].map(toNew));
      if (decision.customerEvents.length > 0) streams.add(customerStream(customerId), decision.customerEvents.map(toNew));
      return { ticketId, correlationId, traceId: span.traceId, trigger, at, evaluations: decision.evaluated.evaluations };
    } finally {
      span.end();
    }
  }

  /** Metrics and log lines of decisions once they are recorded (a retried batch counts once). */
  function recorded(decided: Decided): void {
    metrics.processed('rule-reactor', decided.at);
    for (const evaluation of decided.evaluations) {
      if (evaluation.outcome === 'fired') metrics.ruleFired(evaluation.ruleId);
      for (const action of evaluation.actions) if (action.status === 'suppressed') metrics.actionSuppressed(evaluation.ruleId, action.reason ?? 'unknown');
      if (evaluation.outcome === 'fired' || evaluation.outcome === 'skipped_once') {
        logger.info(
          {
            ticketId: decided.ticketId,
            correlationId: decided.correlationId,
            traceId: decided.traceId,
            trigger: decided.trigger,
            ruleId: evaluation.ruleId,
            outcome: evaluation.outcome,
            suppressed: evaluation.actions.filter((a) => a.status === 'suppressed').map((a) => `${a.type}:${a.reason}`),
          },
          'rule evaluated',
        );
      }
    }
  }

  /** Decides the triggers in order and records every decision in one transaction; re-reads and decides again on a conflict. */
  async function decideAll(triggers: readonly TriggerIn[], maxAttempts: number): Promise<void> {
    const decisions = await retryOnConflict(
      async () => {
        const streams = new PendingStreams(store, customers, tickets);
        const decided: Decided[] = [];
        for (const trigger of triggers) {
          const decision = await decide(streams, trigger);
          if (decision !== null) decided.push(decision);
        }
        const appends = streams.appends();
        if (appends.length > 0) {
          const stop = metrics.timeAppend('rule-reactor');
          await store.appendMany(appends);
          stop();
        }
        return decided;
      },
      { maxAttempts },
    );
    for (const decided of decisions) recorded(decided);
  }

  async function handle(batch: readonly RecordedEvent[]): Promise<void> {
    const triggers = batch.map(triggerIn).filter((t) => t !== null);
    if (triggers.length > 0) {
      try {
        // One read per stream and one commit per batch, instead of one of each per trigger.
        await decideAll(triggers, 2);
      } catch (error) {
        // The ingest keeps writing to these tickets: when a whole batch keeps meeting new writes,
        // decide trigger by trigger (triggers already recorded are found decided and skipped).
        if (!isConcurrencyError(error)) throw error;
        logger.debug({ triggers: triggers.length }, 'batch conflicted, deciding one trigger at a time');
        for (const trigger of triggers) await decideAll([trigger], 10);
      }
    }
    const last = batch.at(-1);
    if (last !== undefined) await checkpoints.save(REACTOR_SUBSCRIBER, last.position);
  }

  return subscriberLoop({
    name: REACTOR_SUBSCRIBER,
    store,
    logger,
    checkpoint: () => checkpoints.load(REACTOR_SUBSCRIBER),
    handle,
    streamPrefixes: [TICKET_STREAM_PREFIX],
    batchSize,
  });
}

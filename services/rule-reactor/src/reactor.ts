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
  type RulesFile,
} from '@tickets/domain';
import { retryOnConflict, type CheckpointStore, type EventStore, type Json, type RecordedEvent, type StreamAppend } from '@tickets/event-store';
import { noopMetrics, readTraceContext, startStageSpan, traceFields, type Logger, type PipelineMetrics } from '@tickets/platform';
import { asCustomerEvent, asTicketEvent, subscriberLoop, type SubscriberLoop } from '@tickets/streams';
import { ticketContext } from './trigger-context.js';

export const REACTOR_SUBSCRIBER = 'rule-reactor';

export interface ReactorOptions {
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  readonly rules: RulesFile;
  readonly policy: ReopenPolicy;
  readonly logger: Logger;
  readonly batchSize?: number;
  /** Rule firings, suppressions, append latency (no-op when absent). */
  readonly metrics?: PipelineMetrics;
}

export type Reactor = SubscriberLoop;

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
  const metrics = options.metrics ?? noopMetrics;

  async function react(recorded: RecordedEvent): Promise<void> {
    if (!recorded.stream.startsWith(TICKET_STREAM_PREFIX)) return;
    const trigger = triggerOf(asTicketEvent(recorded));
    // No rule listens to this trigger: nothing to decide or record.
    if (trigger === null || !triggersInUse.has(trigger)) return;
    const ticketId = recorded.stream.slice(TICKET_STREAM_PREFIX.length);
    const correlationId = recorded.metadata.correlationId ?? recorded.id;
    // The trace the inbound event came with, handed on to the decision and so to its commands.
    const span = startStageSpan('tickets.rule-reactor', readTraceContext(recorded.metadata), { 'tickets.trigger': trigger });
    const { receivedAt } = recorded.metadata;

    await retryOnConflict(async () => {
      const records = await store.readStream(ticketStream(ticketId));
      const context = ticketContext(records, recorded);
      if (context === null || context.alreadyDecided) return;
      const customerId = context.ticket.customer.id;
      const customerRecords = await store.readStream(customerStream(customerId));
      const at = asTicketEvent(recorded).data.at;
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
      const metadata = { correlationId, causationId: recorded.id, ...(receivedAt === undefined ? {} : { receivedAt }), ...traceFields(span.trace) };
      let index = 0;
      const toNew = (e: { type: string; data: unknown }) => ({
        id: domainEventId(recorded.id, index++),
        type: e.type,
        data: e.data as Json,
        metadata,
      });
      const appends: StreamAppend[] = [
        {
          stream: ticketStream(ticketId),
          expectedVersion: records.length - 1,
          events: [{ type: 'RulesEvaluated', data: decision.evaluated }, ...decision.ticketEvents].map(toNew),
        },
      ];
      if (decision.customerEvents.length > 0) {
        appends.push({
          stream: customerStream(customerId),
          expectedVersion: customerRecords.length === 0 ? 'no_stream' : customerRecords.length - 1,
          events: decision.customerEvents.map(toNew),
        });
      }
      const stop = metrics.timeAppend('rule-reactor');
      await store.appendMany(appends);
      stop();
      metrics.processed('rule-reactor', at);
      for (const evaluation of decision.evaluated.evaluations) {
        if (evaluation.outcome === 'fired') metrics.ruleFired(evaluation.ruleId);
        for (const action of evaluation.actions) if (action.status === 'suppressed') metrics.actionSuppressed(evaluation.ruleId, action.reason ?? 'unknown');
        if (evaluation.outcome === 'fired' || evaluation.outcome === 'skipped_once') {
          logger.info(
            {
              ticketId,
              correlationId,
              traceId: span.traceId,
              trigger,
              ruleId: evaluation.ruleId,
              outcome: evaluation.outcome,
              suppressed: evaluation.actions.filter((a) => a.status === 'suppressed').map((a) => `${a.type}:${a.reason}`),
            },
            'rule evaluated',
          );
        }
      }
    }).finally(() => span.end());
  }

  async function handle(batch: readonly RecordedEvent[]): Promise<void> {
    for (const recorded of batch) await react(recorded);
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

import { createInboundConsumer, type InboundConsumer, type InboundOutcome, type Kafka } from '@tickets/messaging';
import type { InboundEvent } from '@tickets/domain';
import type { EventStore } from '@tickets/event-store';
import {
  DEFAULT_INGEST_LIMITS,
  systemClock,
  type Clock,
  type IngestLimits,
  type Integration,
  type Logger,
  type PipelineMetrics,
} from '@tickets/platform';
import { eventLimitViolations } from './event-limits.js';
import { integrationOwning } from './http/webhook-auth.js';
import type { Ingest } from './ingest.js';
import { createScopeCheck } from './integration-scope.js';
import { futureTimeReasons } from './live-checks.js';
import { validateInbound, type RejectionReason } from './validate-inbound.js';

export interface KafkaInboundOptions {
  readonly kafka: Kafka;
  readonly ingest: Ingest;
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly groupId: string;
  readonly logger: Logger;
  readonly fromBeginning?: boolean;
  /** See InboundConsumerOptions.sessionTimeoutMs. */
  readonly sessionTimeoutMs?: number;
  /** Record size and message body length; over them, a record is dead-lettered with the reason. */
  readonly limits?: IngestLimits;
  readonly metrics?: PipelineMetrics;
  /**
   * The configured integrations: a record whose source one of them owns must stay within its scope
   * (see IntegrationScope), else it is dead-lettered with the reason.
   */
  readonly scope?: { readonly integrations: readonly Integration[]; readonly store: EventStore };
  /** Receipt time, against which event times too far ahead are refused. */
  readonly clock?: Clock;
}

/**
 * The inbound topic into the same ingest as HTTP: same validation, same size limits, same decisions,
 * same store. No signatures and no source ownership here: who may produce to the topic is the
 * broker's decision (SASL and topic ACLs), and a record does not say which principal produced it.
 * But an event whose source a configured integration owns gets that integration's scope, as over
 * HTTP, and event times too far ahead are refused: both dead-lettered with their reason.
 */
export function consumeInbound(options: KafkaInboundOptions): InboundConsumer {
  const { ingest } = options;
  const limits = options.limits ?? DEFAULT_INGEST_LIMITS;
  const clock = options.clock ?? systemClock;
  const integrations = options.scope?.integrations ?? [];
  const scope =
    options.scope === undefined || integrations.length === 0
      ? undefined
      : createScopeCheck(options.scope.store, integrations, { decided: ingest });

  /** Reasons beyond validation, per event (validation itself is the ingest's, which reports it). */
  async function liveReasons(events: readonly unknown[]): Promise<(readonly RejectionReason[] | undefined)[]> {
    const receivedAt = clock().getTime();
    const reasons: (RejectionReason[] | undefined)[] = events.map(() => undefined);
    const bySender = new Map<Integration, { index: number; event: InboundEvent }[]>();
    const attribute = (raw: unknown, name: string): unknown =>
      typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[name] : undefined;
    events.forEach((raw, index) => {
      const late = futureTimeReasons(attribute(raw, 'time'), receivedAt, limits.maxFutureSeconds);
      if (late.length > 0) return void (reasons[index] = late);
      const sender = scope === undefined ? undefined : integrationOwning(integrations, attribute(raw, 'source'));
      if (sender === undefined) return;
      // Only a valid event has a scope to check; the ingest reports an invalid one.
      const validation = validateInbound(raw);
      if (validation.ok) bySender.set(sender, [...(bySender.get(sender) ?? []), { index, event: validation.event }]);
    });
    for (const [sender, items] of bySender) {
      const refusals = await scope!.check(
        sender,
        items.map((item) => item.event),
      );
      refusals.forEach((reason, i) => {
        if (reason !== null) reasons[items[i]!.index] = [reason];
      });
    }
    return reasons;
  }
  return createInboundConsumer({
    kafka: options.kafka,
    topic: options.topic,
    deadLetterTopic: options.deadLetterTopic,
    groupId: options.groupId,
    logger: options.logger,
    ...(options.fromBeginning === undefined ? {} : { fromBeginning: options.fromBeginning }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
    maxRecordBytes: limits.maxEventBytes,
    handle: async (events): Promise<InboundOutcome[]> => {
      const live = await liveReasons(events);
      const outcomes: (InboundOutcome | undefined)[] = events.map((event, index) => {
        const reasons = [...eventLimitViolations(event, undefined, limits), ...(live[index] ?? [])];
        return reasons.length === 0 ? undefined : { status: 'rejected', reasons };
      });
      const within = events.filter((_event, index) => outcomes[index] === undefined);
      const results = within.length === 0 ? [] : await ingest.submit(within, 'kafka');
      let next = 0;
      return outcomes.map((outcome) => {
        if (outcome !== undefined) return outcome;
        const result = results[next++]!;
        return result.status === 'rejected'
          ? { status: 'rejected', reasons: result.reasons }
          : { status: result.status };
      });
    },
  });
}

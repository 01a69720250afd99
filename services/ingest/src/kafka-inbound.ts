import { createInboundConsumer, type InboundConsumer, type InboundOutcome, type Kafka } from '@tickets/messaging';
import { DEFAULT_INGEST_LIMITS, type IngestLimits, type Logger, type PipelineMetrics } from '@tickets/platform';
import { eventLimitViolations } from './event-limits.js';
import type { Ingest } from './ingest.js';

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
}

/**
 * The inbound topic into the same ingest as HTTP: same validation, same size limits, same decisions,
 * same store. No signatures and no source ownership here: who may produce to the topic is the
 * broker's decision (SASL and topic ACLs), and a record does not say which principal produced it.
 */
export function consumeInbound(options: KafkaInboundOptions): InboundConsumer {
  const { ingest } = options;
  const limits = options.limits ?? DEFAULT_INGEST_LIMITS;
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
      const outcomes: (InboundOutcome | undefined)[] = events.map((event) => {
        const reasons = eventLimitViolations(event, undefined, limits);
        return reasons.length === 0 ? undefined : { status: 'rejected', reasons };
      });
      const within = events.filter((_event, index) => outcomes[index] === undefined);
      const results = within.length === 0 ? [] : await ingest.submit(within, 'kafka');
      let next = 0;
      return outcomes.map((outcome) => {
        if (outcome !== undefined) return outcome;
        const result = results[next++]!;
        return result.status === 'rejected' ? { status: 'rejected', reasons: result.reasons } : { status: result.status };
      });
    },
  });
}

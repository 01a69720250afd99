import { createInboundConsumer, type InboundConsumer, type InboundOutcome, type Kafka } from '@tickets/messaging';
import type { Logger, PipelineMetrics } from '@tickets/platform';
import type { Ingest } from './ingest.js';

export interface KafkaInboundOptions {
  readonly kafka: Kafka;
  readonly ingest: Ingest;
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly groupId: string;
  readonly logger: Logger;
  readonly fromBeginning?: boolean;
  readonly metrics?: PipelineMetrics;
}

/** The inbound topic into the same ingest as HTTP: same validation, same decisions, same store. */
export function consumeInbound(options: KafkaInboundOptions): InboundConsumer {
  const { ingest } = options;
  return createInboundConsumer({
    kafka: options.kafka,
    topic: options.topic,
    deadLetterTopic: options.deadLetterTopic,
    groupId: options.groupId,
    logger: options.logger,
    ...(options.fromBeginning === undefined ? {} : { fromBeginning: options.fromBeginning }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    handle: async (events): Promise<InboundOutcome[]> =>
      (await ingest.submit(events, 'kafka')).map((result) =>
        result.status === 'rejected' ? { status: 'rejected', reasons: result.reasons } : { status: result.status },
      ),
  });
}

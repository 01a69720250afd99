/** The pipeline's stages, as metric labels: few and fixed. */
export type Stage = 'ingest' | 'projector' | 'rule-reactor' | 'command-relay';

export type InboundOutcomeLabel = 'accepted' | 'duplicate' | 'rejected';

/** Stops a latency measurement and records it. */
export type StopTimer = () => void;

/**
 * What the services tell the outside about their work. Recorded at the edges (ingest, projector,
 * reactor, relay, Kafka consumer) through this port, so the domain never sees a metrics library and
 * a run without metrics pays for empty calls only (see `noopMetrics`). Label values passed here must
 * come from small fixed sets (event types, outcomes, rule ids, reasons), never ids of tickets or
 * customers.
 */
export interface PipelineMetrics {
  /** One inbound event handled, by CloudEvent type, outcome and how it arrived (http, kafka…). */
  inboundEvent(type: string, outcome: InboundOutcomeLabel, via: string): void;
  /** One reason an inbound event was rejected (a zod issue code or a domain error code). */
  rejection(reason: string): void;
  /** Records written to the dead-letter topic. */
  deadLetters(count: number): void;
  /** A routing decision: new_ticket, open_ticket, reopen, follow_up. */
  routing(kind: string): void;
  /** A rule fired on a trigger. */
  ruleFired(ruleId: string): void;
  /** An action of a fired rule was suppressed, and why. */
  actionSuppressed(ruleId: string, reason: string): void;
  /** A command handed to the sink, by command type. */
  commandPublished(type: string): void;
  /** Times one store append of a stage. */
  timeAppend(stage: Stage): StopTimer;
  /** Times one ingest submission, from receipt to durably stored. */
  timeIngest(): StopTimer;
  /** A command was published for an inbound event received at `receivedAt` (ISO time). */
  eventToCommand(receivedAt: string): void;
  /** A stage handled an event whose event time is `eventTime` (ISO time). */
  processed(stage: Stage, eventTime: string): void;
  /** Records not yet consumed on a partition, as of the last fetched batch. */
  kafkaConsumerLag(topic: string, partition: number, lag: number): void;
  /** How far a subscriber is behind the head of the store (events), read when metrics are scraped. */
  lagProbe(subscriber: Stage, probe: () => Promise<number>): void;
}

import type { Consumer, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import { noopMetrics, type Logger, type PipelineMetrics } from '@tickets/platform';
import { deadLetter, type DeadLetterReason } from './dead-letter.js';
import { decodeCloudEvent, type DecodedRecord } from './decode-cloudevent.js';
import { gatherConcurrent } from './gather-concurrent.js';
import { sizeLimitedGroups } from './size-limited-groups.js';

/** What the ingest made of one event; resolved only once accepted events are durably stored. */
export type InboundOutcome =
  | { readonly status: 'accepted' | 'duplicate' }
  | { readonly status: 'rejected'; readonly reasons: readonly DeadLetterReason[] };

export type InboundHandler = (events: readonly unknown[]) => Promise<readonly InboundOutcome[]>;

export interface InboundConsumerOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly groupId: string;
  readonly handle: InboundHandler;
  readonly logger: Logger;
  /** Partitions handled at once: their chunks reach `handle` in one call (the ingest group-commits them). */
  readonly partitionsConcurrently?: number;
  /** Records handed to the ingest per call, and committed together. */
  readonly chunkSize?: number;
  /** How long the group waits for a silent member (a crashed process) before rebalancing (default 30 s). */
  readonly sessionTimeoutMs?: number;
  /** Read the topic from the start when the group has no committed offset. */
  readonly fromBeginning?: boolean;
  /** Larger record values go to the dead-letter topic unread (default 64 KiB, as on HTTP). */
  readonly maxRecordBytes?: number;
  /** Dead letters and consumer lag (no-op when absent). */
  readonly metrics?: PipelineMetrics;
}

export interface InboundConsumer {
  start(): Promise<void>;
  /** Whether the consumer is connected to the brokers and has not crashed (for readiness). */
  connected(): boolean;
  /** Stops fetching, finishes the chunk in hand, commits, disconnects. */
  stop(): Promise<void>;
}

/**
 * Consumes inbound CloudEvents. Offsets are committed only after the events of a chunk are durably
 * appended and its refused records are on the dead-letter topic: a crash in between redelivers the
 * chunk, and the ingest's deduplication makes that harmless. Nothing is dropped: every record is
 * either stored, a duplicate, or a dead letter with its reasons. Records of one partition (one key
 * = one customer) are handled in order.
 */
export function createInboundConsumer(options: InboundConsumerOptions): InboundConsumer {
  const { kafka, topic, deadLetterTopic, logger } = options;
  // The partitions of one fetch, handed over concurrently, reach the ingest as one submission (one
  // group commit); each partition still commits its own offset only after that append.
  const handle = gatherConcurrent(options.handle);
  const chunkSize = options.chunkSize ?? 500;
  const maxRecordBytes = options.maxRecordBytes ?? 65_536;
  // Measured before parsing: an oversized record costs no JSON parse and no memory beyond its bytes.
  const decode = (message: KafkaMessage): DecodedRecord =>
    message.value !== null && message.value.length > maxRecordBytes
      ? {
          ok: false,
          reasons: [
            {
              path: '(value)',
              code: 'too_big',
              message: `the record is ${message.value.length} bytes, over the limit of ${maxRecordBytes}`,
            },
          ],
        }
      : decodeCloudEvent(message.value, message.headers);
  const metrics = options.metrics ?? noopMetrics;
  let connected = false;
  // A short fetch wait: an idle partition answers quickly, so stopping (which waits for the fetch in
  // flight) takes a fraction of a second, not kafkajs's default 5 s.
  const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
  // Heartbeats at most a third of the session apart, as Kafka recommends (kafkajs's default is 3 s).
  const heartbeatInterval = Math.min(3_000, Math.floor(sessionTimeout / 3));
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 250,
    sessionTimeout,
    heartbeatInterval,
  });
  // Idempotent: a retried send of dead letters never writes them twice.
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });

  async function handleChunk(partition: number, messages: readonly KafkaMessage[]): Promise<number> {
    const decoded = messages.map(decode);
    const events: unknown[] = [];
    const eventIndex: number[] = [];
    decoded.forEach((d, i) => {
      if (d.ok) {
        events.push(d.event);
        eventIndex.push(i);
      }
    });
    const outcomes = events.length === 0 ? [] : await handle(events);
    const reasonsByIndex = new Map<number, readonly DeadLetterReason[]>();
    decoded.forEach((d, i) => {
      if (!d.ok) reasonsByIndex.set(i, d.reasons);
    });
    outcomes.forEach((outcome, j) => {
      if (outcome.status === 'rejected') reasonsByIndex.set(eventIndex[j]!, outcome.reasons);
    });
    const letters: Message[] = [];
    for (const [i, reasons] of [...reasonsByIndex.entries()].sort(([a], [b]) => a - b)) {
      const message = messages[i]!;
      letters.push(
        deadLetter(
          {
            topic,
            partition,
            offset: message.offset,
            key: message.key ?? null,
            value: message.value,
            headers: message.headers,
            timestamp: message.timestamp,
          },
          reasons,
        ),
      );
    }
    if (letters.length > 0) {
      // In order, in sends the broker accepts: a chunk's letters together may exceed its batch limit.
      for (const group of sizeLimitedGroups(letters))
        await producer.send({ topic: deadLetterTopic, acks: -1, messages: group });
      metrics.deadLetters(letters.length);
      logger.warn({ topic, partition, deadLetters: letters.length }, 'inbound records dead-lettered');
    }
    return letters.length;
  }

  return {
    connected: () => connected,
    async start() {
      consumer.on(consumer.events.CONNECT, () => (connected = true));
      consumer.on(consumer.events.DISCONNECT, () => (connected = false));
      consumer.on(consumer.events.CRASH, () => (connected = false));
      await producer.connect();
      await consumer.connect();
      connected = true;
      await consumer.subscribe({ topics: [topic], fromBeginning: options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConcurrently ?? 6,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
          for (let start = 0; start < batch.messages.length; start += chunkSize) {
            if (!isRunning() || isStale()) return;
            const chunk = batch.messages.slice(start, start + chunkSize);
            const deadLetters = await handleChunk(batch.partition, chunk);
            const last = chunk.at(-1)!;
            resolveOffset(last.offset);
            // Through the batch payload: `consumer.commitOffsets` silently does nothing once stop() has
            // begun, which would leave the chunk in hand to be redelivered after every graceful stop.
            const offset = (BigInt(last.offset) + 1n).toString();
            await commitOffsetsIfNecessary({
              topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset }] }],
            });
            metrics.kafkaConsumerLag(
              batch.topic,
              batch.partition,
              Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(offset))),
            );
            logger.debug(
              { topic, partition: batch.partition, records: chunk.length, deadLetters, offset: last.offset },
              'inbound chunk committed',
            );
            // Long batches keep the group membership alive.
            await heartbeat();
          }
        },
      });
      logger.info({ topic, groupId: options.groupId }, 'inbound consumer started');
    },
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
      logger.info({ topic }, 'inbound consumer stopped');
    },
  };
}

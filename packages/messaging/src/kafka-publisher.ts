import type { Kafka, Message, Producer } from 'kafkajs';

export interface KeyedRecord {
  readonly key: string;
  readonly value: unknown;
  /** Headers beside the content type (e.g. CloudEvents binary-mode attributes). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface KafkaPublisher {
  /** Resolves once every record is acknowledged by all in-sync replicas (acks -1). */
  publish(records: readonly KeyedRecord[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Publishes JSON records with their keys to one topic through an idempotent producer. Sends are
 * capped so one request stays well under the broker's 1 MiB message-batch limit per partition.
 */
export function createKafkaPublisher(options: {
  kafka: Kafka;
  topic: string;
  contentType: string;
  maxPerSend?: number;
}): KafkaPublisher {
  const maxPerSend = options.maxPerSend ?? 500;
  const producer: Producer = options.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  let connected: Promise<void> | null = null;
  return {
    async publish(records) {
      connected ??= producer.connect();
      await connected;
      for (let i = 0; i < records.length; i += maxPerSend) {
        const messages: Message[] = records.slice(i, i + maxPerSend).map((r) => ({
          key: r.key,
          value: JSON.stringify(r.value),
          headers: { ...r.headers, 'content-type': options.contentType },
        }));
        await producer.send({ topic: options.topic, acks: -1, messages });
      }
    },
    async close() {
      if (connected !== null) await producer.disconnect();
    },
  };
}

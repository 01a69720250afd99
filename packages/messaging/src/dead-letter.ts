import type { IHeaders, Message } from 'kafkajs';

export interface DeadLetterReason {
  readonly path: string;
  readonly message: string;
  readonly code: string;
}

export interface DeadLetterSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders | undefined;
  readonly timestamp: string;
}

/**
 * A dead letter keeps the original bytes, key and headers untouched, and says where the record
 * came from and why it was refused in `dlq_*` headers (plus a JSON summary), so an operator can fix
 * and replay it as it was.
 */
export function deadLetter(source: DeadLetterSource, reasons: readonly DeadLetterReason[]): Message {
  return {
    key: source.key,
    value: source.value,
    headers: {
      ...(source.headers ?? {}),
      dlq_topic: source.topic,
      dlq_partition: String(source.partition),
      dlq_offset: source.offset,
      dlq_timestamp: source.timestamp,
      dlq_reasons: JSON.stringify(reasons),
    },
  };
}

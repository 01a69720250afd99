import type { IHeaders, Message } from 'kafkajs';

/**
 * Largest sum of record sizes in one produce request of dead letters. A broker refuses a record batch
 * over `message.max.bytes` (1 MiB by default) and kafkajs puts all of a send's records for a partition
 * in one batch: dead letters carry the refused records' bytes plus their `dlq_*` headers, so a chunk
 * fetched at the fetch limit does not fit in one send. Half the default leaves room for that overhead.
 */
export const MAX_SEND_BYTES = 512 * 1024;

const bytes = (value: Buffer | string | null | undefined): number =>
  value === null || value === undefined ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length;

function headerBytes(headers: IHeaders | undefined): number {
  let total = 0;
  for (const [name, value] of Object.entries(headers ?? {})) {
    total += Buffer.byteLength(name);
    for (const item of Array.isArray(value) ? value : [value]) total += bytes(item as Buffer | string | undefined);
  }
  return total;
}

/** The record's size as the broker counts it, near enough: key, value, headers and a little framing. */
export const messageBytes = (message: Message): number =>
  bytes(message.key as Buffer | string | null) +
  bytes(message.value as Buffer | string | null) +
  headerBytes(message.headers) +
  64;

/** The messages, in order, in groups of at most `limit` bytes (a bigger message goes alone). */
export function sizeLimitedGroups(messages: readonly Message[], limit = MAX_SEND_BYTES): Message[][] {
  const groups: Message[][] = [];
  let current: Message[] = [];
  let size = 0;
  for (const message of messages) {
    const next = messageBytes(message);
    if (current.length > 0 && size + next > limit) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(message);
    size += next;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

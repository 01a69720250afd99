import { createHash } from 'node:crypto';

/**
 * The namespace every event UUID of this service is derived in. Never change it: the server compares
 * UUIDs to recognise a repeated append, so a new namespace would make every retry look new.
 */
export const EVENT_UUID_NAMESPACE = '145077ba-0dee-43cf-b35f-4b14d29f8c39';

/** A name-based UUID (RFC 9562 version 5): SHA-1 of the namespace's 16 bytes and the name in UTF-8. */
export function nameBasedUuid(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * EventStoreDB wants a UUID per event; ours are free-form strings. Deriving it from our id gives the
 * same UUID on every attempt, so the server's own duplicate check applies to retried appends.
 */
export function eventUuid(eventId: string): string {
  return nameBasedUuid(EVENT_UUID_NAMESPACE, eventId);
}

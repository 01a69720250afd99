export type { CustomerKey, KeyStore } from './key-store.port.js';
export type { JsonPath } from './json-paths.js';
export type { EventView, PiiOwner, PiiPolicy } from './pii-policy.js';
export type { PiiEnvelope } from './pii-cipher.js';
export { SEALED, withPiiCodec } from './pii-event-store.js';
export type { PiiCodecOptions, PiiEventStore } from './pii-event-store.js';
export { openKeyStore } from './open-key-store.js';
export { OpenedStoredEvent } from './opened-event.js';
export type { StoredRecord } from './opened-event.js';

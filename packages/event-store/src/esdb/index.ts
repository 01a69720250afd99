export { createEsdbEventStore } from './esdb-event-store.js';
export type { EsdbEventStore, EsdbEventStoreOptions } from './esdb-event-store.js';
export type { EsdbSubscribeOptions } from './esdb-subscription.js';
export { createEsdbCheckpointStore, CHECKPOINT_EVENT_TYPE } from './esdb-checkpoint-store.js';
export type { EsdbCheckpointStore, EsdbCheckpointStoreOptions } from './esdb-checkpoint-store.js';
export type { AllSubscriptionLike, EventStoreDBClientLike } from './esdb-client.port.js';
export type { RetryPolicy } from './transient-retry.js';
export { eventUuid, EVENT_UUID_NAMESPACE } from './event-uuid.js';
export { EVENT_ID_METADATA_KEY } from './event-mapping.js';

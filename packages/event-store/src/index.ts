export type {
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedVersion,
  Json,
  NewEvent,
  ReadAllOptions,
  ReadChainOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeOptions,
} from './event-store.port.js';
export type { CheckpointStore } from './checkpoint-store.port.js';
export { ConcurrencyError, EventStoreError, IdempotencyError, isConcurrencyError } from './errors.js';
export type { EventStoreErrorCode } from './errors.js';
export { retryOnConflict } from './retry-on-conflict.js';
export type { RetryOptions } from './retry-on-conflict.js';
export { DEFAULT_STORE_URL, parseStoreUrl } from './store-location.js';
export type { StoreLocation } from './store-location.js';
export { openStore } from './open-store.js';
export type { OpenedStore } from './open-store.js';
export { OpenedStoredEvent, openKeyStore, SEALED, withPiiCodec } from './pii/index.js';
export type {
  CustomerKey,
  EventView,
  JsonPath,
  KeyStore,
  PiiCodecOptions,
  PiiEnvelope,
  PiiEventStore,
  PiiOwner,
  PiiPolicy,
  StoredRecord,
} from './pii/index.js';
export {
  ChainCheck,
  chainHashes,
  checkStoreChain,
  eventHash,
  HeadHash,
  headProof,
  mergeChainReports,
  parseHeadProof,
} from './chain/index.js';
export type {
  ChainedContent,
  ChainedEvent,
  ChainProblem,
  ChainReport,
  HeadProof,
  ProofResult,
  StoreHead,
} from './chain/index.js';

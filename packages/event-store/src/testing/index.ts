export { describeEventStoreContract } from './event-store-contract.js';
export type {
  EventStoreContractCapabilities,
  EventStoreContractFactory,
  EventStoreContractFixture,
} from './event-store-contract.js';

import type { KeyObject } from 'node:crypto';

/** One customer's data key: `keyId` goes into every envelope it sealed. */
export interface CustomerKey {
  readonly keyId: string;
  readonly customerId: string;
  /** 32 bytes (AES-256), as a KeyObject made once (the key material stays inside it). */
  readonly key: KeyObject;
}

/**
 * Where the per-customer data keys live, apart from the events (a table of the same database for
 * SQLite and PostgreSQL). Deleting a customer's keys is the erasure: the ciphertext in the events
 * stays, unreadable by anyone.
 */
export interface KeyStore {
  /**
   * The customers' current keys, created on first use (all of a call's new keys in one transaction).
   * A customer erased earlier gets a new key.
   */
  currentKeys(customerIds: readonly string[]): Promise<Map<string, CustomerKey>>;
  /** A key by id; undefined when it was deleted (erased) or never existed. */
  keyById(keyId: string): Promise<CustomerKey | undefined>;
  /** Deletes every key of the customer and overwrites the freed bytes; returns how many were deleted. */
  eraseCustomer(customerId: string): Promise<number>;
  close(): Promise<void>;
}

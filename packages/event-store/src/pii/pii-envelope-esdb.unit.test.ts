import { createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EventStore, Json, NewEvent } from '../event-store.port.js';
import { createEsdbEventStore } from '../esdb/esdb-event-store.js';
import { InMemoryEsdbServer } from '../testing/in-memory-esdb-client.js';
import type { CustomerKey, KeyStore } from './key-store.port.js';
import type { PiiPointer } from './pii-cipher.js';
import { withPiiCodec } from './pii-event-store.js';
import type { PiiPolicy } from './pii-policy.js';

// Version-3 pointers on the KurrentDB adapter (over the in-memory server the adapter's own unit tests
// use): a pointer read without its holder reads it back by stream revision, as on SQL stores.
const policy: PiiPolicy = {
  pathsOf: (type) => (type === 'Said' ? ['text'] : undefined),
  ownerOf: (_stream, event) => ({ customerId: (event.data as { customer: string }).customer }),
  ticketOwnerOf: () => undefined,
  ticketStream: (ticketId) => `ticket-${ticketId}`,
  erasedCustomerOf: () => undefined,
  erased: '[erased]',
};
const said = (id: string, customer: string, text: string): NewEvent => ({ id, type: 'Said', data: { customer, text } });

/** KurrentDB has no table for keys: the services name a SQLite or PostgreSQL key store; here, a map. */
function memoryKeys(byCustomer = new Map<string, CustomerKey>()): KeyStore & { shared: Map<string, CustomerKey> } {
  return {
    shared: byCustomer,
    async currentKeys(customerIds) {
      for (const customerId of customerIds)
        if (!byCustomer.has(customerId))
          byCustomer.set(customerId, { keyId: randomUUID(), customerId, key: createSecretKey(randomBytes(32)) });
      return new Map(customerIds.map((id) => [id, byCustomer.get(id)!]));
    },
    async keyById(keyId) {
      return [...byCustomer.values()].find((key) => key.keyId === keyId);
    },
    async eraseCustomer(customerId) {
      return byCustomer.delete(customerId) ? 1 : 0;
    },
    async close() {},
  };
}

const FAST = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
const esdb = (server: InMemoryEsdbServer): EventStore =>
  createEsdbEventStore({
    connectionString: 'esdb://in-memory',
    client: server.connect(),
    retry: FAST,
    reconnect: FAST,
  });

describe('personal-data envelopes on the KurrentDB adapter', () => {
  it('open a pointer read without its holder, from its revision, and read it as erased once the key is gone', async () => {
    const server = new InMemoryEsdbServer();
    const keys = memoryKeys();
    const writer = withPiiCodec(esdb(server), keys, policy);
    await writer.appendMany([
      { stream: 't', events: [said('t1', 'cus_1', 'one'), said('t2', 'cus_2', 'other'), said('t3', 'cus_1', 'two')] },
      { stream: 'b', events: [said('b1', 'cus_1', 'three')] },
    ]);
    const raw = esdb(server);
    const [t1, , t3] = await raw.readStream('t');
    expect(t3!.metadata['pii']).toEqual({
      v: 3,
      k: (t1!.metadata['pii'] as { k: string }).k,
      c: 'cus_1',
      iv: (t1!.metadata['pii'] as { iv: string }).iv,
      i: 1,
      d: 2,
    } satisfies PiiPointer as unknown as Json);

    // A fresh reader: nothing cached, the pointer alone in its read.
    const reader = withPiiCodec(esdb(server), memoryKeys(keys.shared), policy);
    expect((await reader.readStream('t', { fromVersion: 2 })).map((event) => event.data)).toEqual([
      { customer: 'cus_1', text: 'two' },
    ]);
    expect((await reader.readAll()).map((event) => (event.data as { text: string }).text)).toEqual([
      'one',
      'other',
      'two',
      'three',
    ]);
    expect(await reader.eraseCustomerKeys('cus_1')).toBe(1);
    const erased = await reader.readStream('t', { fromVersion: 2 });
    expect([erased[0]!.data, erased[0]!.metadata['erased']]).toEqual([{ customer: 'cus_1', text: '[erased]' }, true]);
    await Promise.all([writer.close(), raw.close(), reader.close()]);
  });
});

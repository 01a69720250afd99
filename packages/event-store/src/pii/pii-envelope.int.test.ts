import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore, Json, NewEvent } from '../event-store.port.js';
import { createSqliteEventStore } from '../sqlite/sqlite-event-store.js';
import { GROUP_LIMITS, seal, type PiiEnvelope } from './pii-cipher.js';
import { withPiiCodec, type PiiEventStore } from './pii-event-store.js';
import type { PiiPolicy } from './pii-policy.js';
import { createSqliteKeyStore } from './sqlite-key-store.js';
import type { KeyStore } from './key-store.port.js';

// A policy of two event types, both owned by the customer named in `data.customer`.
const policy: PiiPolicy = {
  pathsOf: (type) => ({ Said: ['text'], Logged: ['raw'] })[type],
  ownerOf: (_stream, event) => ({ customerId: (event.data as { customer: string }).customer }),
  ticketOwnerOf: () => undefined,
  ticketStream: (ticketId) => `ticket-${ticketId}`,
  erasedCustomerOf: () => undefined,
  erased: '[erased]',
};
const said = (id: string, customer: string, text: string): NewEvent => ({ id, type: 'Said', data: { customer, text } });
const logged = (id: string, customer: string, raw: Json): NewEvent => ({ id, type: 'Logged', data: { customer, raw } });
const envelopeOf = async (store: EventStore, stream: string): Promise<PiiEnvelope[]> =>
  (await store.readStream(stream)).map((event) => event.metadata['pii'] as unknown as PiiEnvelope);

describe('personal-data envelopes', () => {
  let directory: string;
  let path: string;
  let raw: EventStore;
  let keys: KeyStore;
  let codec: PiiEventStore;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'pii-envelope-'));
    path = join(directory, 'events.db');
    raw = createSqliteEventStore({ path });
    keys = createSqliteKeyStore({ path });
    codec = withPiiCodec(createSqliteEventStore({ path }), createSqliteKeyStore({ path }), policy);
  });
  afterEach(async () => {
    await codec.close();
    await raw.close();
    await keys.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('seal all of one customer’s events of an append call once, and each event still opens on its own', async () => {
    await codec.appendMany([
      { stream: 'a', events: [said('a1', 'cus_1', 'bonjour'), said('a2', 'cus_2', 'hello')] },
      { stream: 'b', events: [logged('b1', 'cus_1', { text: 'bonjour', from: '+33' })] },
    ]);
    const [a1, a2] = await envelopeOf(raw, 'a');
    const [b1] = await envelopeOf(raw, 'b');
    expect(a1).toMatchObject({ v: 2, c: 'cus_1', i: 0 });
    expect(b1).toMatchObject({ v: 2, c: 'cus_1', i: 1, iv: a1!.iv, ct: a1!.ct });
    expect(a2).toMatchObject({ v: 2, c: 'cus_2', i: 0 });
    expect(a2!.iv).not.toBe(a1!.iv);

    // A fresh reader (nothing cached) reading one event of the group alone, then the whole of it.
    const reader = withPiiCodec(createSqliteEventStore({ path }), createSqliteKeyStore({ path }), policy);
    try {
      expect((await reader.readStream('b'))[0]!.data).toEqual({
        customer: 'cus_1',
        raw: { text: 'bonjour', from: '+33' },
      });
      const all = await reader.readAll();
      expect(all.map((event) => event.data)).toEqual([
        { customer: 'cus_1', text: 'bonjour' },
        { customer: 'cus_2', text: 'hello' },
        { customer: 'cus_1', raw: { text: 'bonjour', from: '+33' } },
      ]);
      // Reading again hands out new objects, not the ones given before.
      const again = await reader.readStream('b');
      expect(again[0]!.data).toEqual(all[2]!.data);
      expect((again[0]!.data as { raw: Json }).raw).not.toBe((all[2]!.data as { raw: Json }).raw);
    } finally {
      await reader.close();
    }
  });

  it('bound what one envelope covers: a customer’s long append gets several small envelopes', async () => {
    const events = Array.from({ length: 50 }, (_, i) =>
      said(`e${i}`, 'cus_1', `message ${i} `.repeat(i % 5 === 0 ? 100 : 1)),
    );
    await codec.append('a', events);
    const envelopes = await envelopeOf(raw, 'a');
    const groups = new Map<string, number>();
    for (const envelope of envelopes) groups.set(envelope.iv, (groups.get(envelope.iv) ?? 0) + 1);
    expect(groups.size).toBeGreaterThan(50 / GROUP_LIMITS.events);
    for (const count of groups.values()) expect(count).toBeLessThanOrEqual(GROUP_LIMITS.events);
    // Base64 of the plaintext plus the GCM overhead: a long message does not inflate its neighbours.
    for (const envelope of envelopes) expect(envelope.ct.length).toBeLessThan(((GROUP_LIMITS.chars + 1500) * 4) / 3);
    expect((await codec.readStream('a')).map((event) => (event.data as { text: string }).text)).toEqual(
      events.map((event) => (event.data as { text: string }).text),
    );
  });

  it('read events sealed one by one (version 1, stores written before 2026-12-06) beside version 2', async () => {
    const [key] = (await keys.currentKeys(['cus_1'])).values();
    const old = seal(['from the old format'], key!.key, key!.keyId, 'cus_1', 'old-1');
    await raw.append('a', [
      {
        id: 'old-1',
        type: 'Said',
        data: { customer: 'cus_1', text: '[encrypted]' },
        metadata: { pii: old as unknown as Json },
      },
    ]);
    await codec.append('a', [said('new-1', 'cus_1', 'from the new format')]);
    const events = await codec.readStream('a');
    expect(events.map((event) => event.data)).toEqual([
      { customer: 'cus_1', text: 'from the old format' },
      { customer: 'cus_1', text: 'from the new format' },
    ]);
    expect(events.map((event) => event.metadata['pii'])).toEqual([undefined, undefined]);
  });

  it('refuse an envelope copied onto another event', async () => {
    await codec.append('a', [said('a1', 'cus_1', 'secret')]);
    const [copied] = await envelopeOf(raw, 'a');
    await raw.append('b', [
      {
        id: 'forged',
        type: 'Said',
        data: { customer: 'cus_1', text: '[encrypted]' },
        metadata: { pii: copied as unknown as Json },
      },
    ]);
    const reader = withPiiCodec(createSqliteEventStore({ path }), createSqliteKeyStore({ path }), policy);
    try {
      await expect(reader.readStream('b')).rejects.toThrow(/belongs to another event/);
    } finally {
      await reader.close();
    }
  });

  it('read every event of an erased customer’s group as erased, and the other customers’ in clear', async () => {
    await codec.appendMany([
      { stream: 'a', events: [said('a1', 'cus_1', 'one'), said('a2', 'cus_2', 'two'), said('a3', 'cus_1', 'three')] },
    ]);
    expect(await codec.eraseCustomerKeys('cus_1')).toBe(1);
    const events = await codec.readStream('a');
    expect(events.map((event) => [event.data, event.metadata['erased']])).toEqual([
      [{ customer: 'cus_1', text: '[erased]' }, true],
      [{ customer: 'cus_2', text: 'two' }, undefined],
      [{ customer: 'cus_1', text: '[erased]' }, true],
    ]);
  });
});

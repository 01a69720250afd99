import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore, Json, NewEvent, RecordedEvent } from '../event-store.port.js';
import { createSqliteEventStore } from '../sqlite/sqlite-event-store.js';
import { GROUP3_LIMITS, seal, sealGroup, type PiiEnvelope, type PiiPointer } from './pii-cipher.js';
import { withPiiCodec, type PiiEventStore } from './pii-event-store.js';
import type { PiiPolicy } from './pii-policy.js';
import { createSqliteKeyStore } from './sqlite-key-store.js';
import type { KeyStore } from './key-store.port.js';
import { OpenedStoredEvent, type StoredRecord } from './opened-event.js';

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
const pointerOf = (sealed: PiiEnvelope | undefined): PiiPointer => sealed as unknown as PiiPointer;

/** An event as a direct reader reads its row: the data's stored text, parsed (and counted) when read. */
class Row implements StoredRecord {
  static parsed = 0;
  readonly position: number;
  readonly stream: string;
  readonly version: number;
  readonly id: string;
  readonly type: string;
  readonly metadata: RecordedEvent['metadata'];
  readonly raw: string;

  constructor(stored: RecordedEvent) {
    this.position = stored.position;
    this.stream = stored.stream;
    this.version = stored.version;
    this.id = stored.id;
    this.type = stored.type;
    this.metadata = stored.metadata;
    this.raw = JSON.stringify(stored.data);
  }

  get data(): Json {
    Row.parsed++;
    return JSON.parse(this.raw) as Json;
  }
}

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
    expect(a1).toMatchObject({ v: 3, c: 'cus_1', i: 0 });
    // Another stream append of the same group: its own copy of the one ciphertext.
    expect(b1).toMatchObject({ v: 3, c: 'cus_1', i: 1, iv: a1!.iv, ct: a1!.ct });
    expect(a2).toMatchObject({ v: 3, c: 'cus_2', i: 0 });
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

  it('store a group’s ciphertext once per stream append: the append’s other events point back to it', async () => {
    await codec.appendMany([
      {
        stream: 't',
        events: [said('t1', 'cus_1', 'one'), said('t2', 'cus_2', 'other'), said('t3', 'cus_1', 'two')],
      },
      { stream: 'b', events: [logged('b1', 'cus_1', { text: 'one' })] },
    ]);
    const [t1, t2, t3] = await envelopeOf(raw, 't');
    const [b1] = await envelopeOf(raw, 'b');
    expect(t1).toMatchObject({ v: 3, c: 'cus_1', i: 0 });
    expect(t2).toMatchObject({ v: 3, c: 'cus_2', i: 0 });
    // t3 is two versions after t1, which holds the ciphertext of cus_1's group.
    expect(t3).toEqual({ v: 3, k: t1!.k, c: 'cus_1', iv: t1!.iv, i: 1, d: 2 });
    expect(b1).toMatchObject({ v: 3, iv: t1!.iv, ct: t1!.ct, i: 2 });

    const texts = async (events: Promise<{ data: Json }[]>) =>
      (await events).map((event) => (event.data as { text?: string }).text ?? (event.data as { raw: Json }).raw);
    const fresh = () => withPiiCodec(createSqliteEventStore({ path }), createSqliteKeyStore({ path }), policy);
    // Every way of meeting the pointer first, or alone, with nothing cached: the holder is read back.
    for (const read of [
      (store: PiiEventStore) => store.readStream('t', { fromVersion: 2 }),
      (store: PiiEventStore) => store.readStream('t', { direction: 'backwards' }),
      (store: PiiEventStore) => store.readAll({ after: 2 }),
    ]) {
      const reader = fresh();
      try {
        expect(await texts(read(reader))).toContainEqual('two');
      } finally {
        await reader.close();
      }
    }
    const reader = fresh();
    try {
      expect(await texts(reader.readStream('t'))).toEqual(['one', 'other', 'two']);
      // Read again once its group's parts were handed out: opened again from the holder.
      expect(await texts(reader.readStream('t', { fromVersion: 2 }))).toEqual(['two']);
      const subscription = reader.subscribeToAll({ after: 2 })[Symbol.asyncIterator]();
      expect(await texts(subscription.next().then((next) => next.value as { data: Json }[]))).toEqual([
        'two',
        { text: 'one' },
      ]);
      await subscription.return?.();
    } finally {
      await reader.close();
    }
  });

  it('open every event with room for one opened group: a group dropped at the bound is opened again', async () => {
    await codec.appendMany([
      {
        stream: 't',
        events: [said('t1', 'cus_1', 'one'), said('t2', 'cus_2', 'other'), said('t3', 'cus_1', 'two')],
      },
      { stream: 'b', events: [logged('b1', 'cus_2', { text: 'other' }), logged('b2', 'cus_1', { text: 'one' })] },
    ]);
    // What-if's page reader keeps few: it reads some of each group's events, and the others would wait.
    const reader = withPiiCodec(createSqliteEventStore({ path }), createSqliteKeyStore({ path }), policy, {
      openedGroupsLimit: 1,
    });
    try {
      // cus_2's group is opened while cus_1's waits for t3 (a pointer), b2 waits for both.
      expect((await reader.readAll()).map((event) => event.data)).toEqual([
        { customer: 'cus_1', text: 'one' },
        { customer: 'cus_2', text: 'other' },
        { customer: 'cus_1', text: 'two' },
        { customer: 'cus_2', raw: { text: 'other' } },
        { customer: 'cus_1', raw: { text: 'one' } },
      ]);
    } finally {
      await reader.close();
    }
  });

  it('bound what one group covers: a customer’s long append gets several groups, each stored once', async () => {
    const events = Array.from({ length: 50 }, (_, i) =>
      said(`e${i}`, 'cus_1', `message ${i} `.repeat(i % 5 === 0 ? 100 : 1)),
    );
    await codec.append('a', events);
    const sealed = await envelopeOf(raw, 'a');
    const groups = new Map<string, number>();
    for (const envelope of sealed) groups.set(envelope.iv, (groups.get(envelope.iv) ?? 0) + 1);
    expect(groups.size).toBeGreaterThan(1);
    for (const count of groups.values()) expect(count).toBeLessThanOrEqual(GROUP3_LIMITS.events);
    // One copy of each group's ciphertext in the stream, within the bound (base64 and GCM's overhead).
    const holders = sealed.filter((envelope) => envelope.ct !== undefined);
    expect(holders).toHaveLength(groups.size);
    for (const envelope of holders) expect(envelope.ct.length).toBeLessThan(((GROUP3_LIMITS.chars + 1500) * 4) / 3);
    expect((await codec.readStream('a')).map((event) => (event.data as { text: string }).text)).toEqual(
      events.map((event) => (event.data as { text: string }).text),
    );
  });

  it('read version-2 envelopes (one seal per group, a copy of it in every event, 2026-12-06)', async () => {
    const [key] = (await keys.currentKeys(['cus_1'])).values();
    const parts = [JSON.stringify(['v2-1', ['first']]), JSON.stringify(['v2-2', ['second']])];
    const envelope = sealGroup(parts, key!.key, key!.keyId, 'cus_1', 2);
    expect(envelope.v).toBe(2);
    const stored = (id: string, i: number): NewEvent => ({
      id,
      type: 'Said',
      data: { customer: 'cus_1', text: '[encrypted]' },
      metadata: { pii: { ...envelope, i } as unknown as Json },
    });
    await raw.append('a', [stored('v2-1', 0), stored('v2-2', 1)]);
    const reader = withPiiCodec(createSqliteEventStore({ path }), createSqliteKeyStore({ path }), policy);
    try {
      expect((await reader.readStream('a', { fromVersion: 1 }))[0]!.data).toEqual({
        customer: 'cus_1',
        text: 'second',
      });
      expect((await reader.readStream('a')).map((event) => event.data)).toEqual([
        { customer: 'cus_1', text: 'first' },
        { customer: 'cus_1', text: 'second' },
      ]);
      // A version-2 envelope relabelled as version 3 does not open (each version has its own AAD).
      await raw.append('b', [
        { ...stored('v2-1', 0), metadata: { pii: { ...envelope, v: 3, i: 0 } as unknown as Json } },
      ]);
      await expect(reader.readStream('b')).rejects.toThrow();
    } finally {
      await reader.close();
    }
  });

  it('refuse a pointer to an event that does not hold its group', async () => {
    await codec.append('a', [said('a1', 'cus_1', 'one'), said('a2', 'cus_1', 'two')]);
    await codec.append('a', [said('a3', 'cus_1', 'three')]);
    const [, pointer] = await envelopeOf(raw, 'a');
    expect(pointerOf(pointer).d).toBe(1);
    // The same pointer one version further on: it points at a2, a pointer itself, not a holder.
    await raw.append('a', [
      said('x', 'cus_1', 'ignored'),
      {
        id: 'a2',
        type: 'Said',
        data: { customer: 'cus_1', text: '[encrypted]' },
        metadata: { pii: pointer as unknown as Json },
      },
    ]);
    const reader = withPiiCodec(createSqliteEventStore({ path }), createSqliteKeyStore({ path }), policy);
    try {
      await expect(reader.readStream('a', { fromVersion: 4 })).rejects.toThrow(/does not hold its group/);
    } finally {
      await reader.close();
    }
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

  it('open events read as stored text as a read gives them, their data only when read, and tell them by their text', async () => {
    await codec.appendMany([
      {
        stream: 'a',
        events: [said('a1', 'cus_1', 'one'), said('a2', 'cus_2', 'two'), said('a3', 'cus_1', 'three')],
      },
      { stream: 'b', events: [logged('b1', 'cus_1', { text: 'one', from: '+33' })] },
    ]);
    await raw.append('c', [{ id: 'c1', type: 'Plain', data: { text: 'in clear' } }]);
    await codec.append('a', [said('a4', 'cus_3', 'four')]);
    expect(await codec.eraseCustomerKeys('cus_3')).toBe(1);
    const stored = (await raw.readAll()).map((event) => new Row(event));
    const reader = withPiiCodec(createSqliteEventStore({ path }), createSqliteKeyStore({ path }), policy);
    const port = withPiiCodec(createSqliteEventStore({ path }), createSqliteKeyStore({ path }), policy);
    try {
      Row.parsed = 0;
      const opened = await reader.openStored(stored);
      // Decrypted now, but no event's data was parsed: those with personal data open it when read.
      expect(Row.parsed).toBe(0);
      expect(opened.map((event) => event instanceof OpenedStoredEvent)).toEqual([true, true, true, true, false, true]);
      expect(opened[4]).toBe(stored[4]);
      const read = await port.readAll();
      expect(
        opened.map(({ position, stream, version, id, type, metadata, data }) => ({
          position,
          stream,
          version,
          id,
          type,
          metadata,
          data,
        })),
      ).toEqual(read);
      expect(read[5]!.metadata['erased']).toBe(true);

      const [a1, , , b1, , a4] = opened as OpenedStoredEvent[];
      // The same data, told from the sealed text and the values; anything else may differ.
      expect(a1!.holds('Said', { customer: 'cus_1', text: 'one' })).toBe(true);
      expect(b1!.holds('Logged', { customer: 'cus_1', raw: { text: 'one', from: '+33' } })).toBe(true);
      expect(a1!.holds('Said', { customer: 'cus_1', text: 'One' })).toBe(false);
      expect(a1!.holds('Said', { customer: 'cus_2', text: 'one' })).toBe(false);
      expect(a1!.holds('Logged', { customer: 'cus_1', text: 'one' })).toBe(false);
      expect(b1!.holds('Logged', { customer: 'cus_1', raw: { text: 'one' } })).toBe(false);
      expect(a4!.holds('Said', { customer: 'cus_3', text: '[erased]' })).toBe(false);
    } finally {
      await reader.close();
      await port.close();
    }
  });

  it('read every event of an erased customer’s group as erased, and the other customers’ in clear', async () => {
    await codec.appendMany([
      { stream: 'a', events: [said('a1', 'cus_1', 'one'), said('a2', 'cus_2', 'two'), said('a3', 'cus_1', 'three')] },
    ]);
    expect(await codec.eraseCustomerKeys('cus_1')).toBe(1);
    // a3 is a pointer: erased without its holder being read (alone, from its version).
    expect((await codec.readStream('a', { fromVersion: 2 }))[0]!.metadata['erased']).toBe(true);
    const events = await codec.readStream('a');
    expect(events.map((event) => [event.data, event.metadata['erased']])).toEqual([
      [{ customer: 'cus_1', text: '[erased]' }, true],
      [{ customer: 'cus_2', text: 'two' }, undefined],
      [{ customer: 'cus_1', text: '[erased]' }, true],
    ]);
  });

  it('seal an append call that creates more tickets and meets more customers than the caches hold', async () => {
    // Tickets owned through their first event, as the domain's are: a note on a ticket created in the
    // same call is sealed for that ticket's customer, which only the call itself knows yet.
    const tickets: PiiPolicy = {
      pathsOf: (type) => ({ Opened: ['text'], Noted: ['text'] })[type],
      ownerOf: (stream, event) =>
        event.type === 'Opened'
          ? { customerId: (event.data as { customer: string }).customer }
          : { ticketId: stream.slice('ticket-'.length) },
      ticketOwnerOf: (event) =>
        event.type === 'Opened'
          ? {
              ticketId: (event.data as { ticket: string }).ticket,
              customerId: (event.data as { customer: string }).customer,
            }
          : undefined,
      ticketStream: (ticketId) => `ticket-${ticketId}`,
      erasedCustomerOf: () => undefined,
      erased: '[erased]',
    };
    const small = withPiiCodec(createSqliteEventStore({ path }), createSqliteKeyStore({ path }), tickets, {
      cacheLimit: 3,
    });
    try {
      const appends = Array.from({ length: 8 }, (_, i) => ({
        stream: `ticket-t${i}`,
        events: <NewEvent[]>[
          { id: `o${i}`, type: 'Opened', data: { ticket: `t${i}`, customer: `c${i}`, text: `hello ${i}` } },
          { id: `n${i}`, type: 'Noted', data: { text: `note ${i}` } },
        ],
      }));
      await small.appendMany(appends);
      // A second call: every owner and key is gone from the caches by now, and is found again.
      await small.appendMany(
        appends.map(({ stream }, i) => ({
          stream,
          events: [{ id: `m${i}`, type: 'Noted', data: { text: `more ${i}` } }],
        })),
      );
    } finally {
      await small.close();
    }
    const reader = withPiiCodec(createSqliteEventStore({ path }), createSqliteKeyStore({ path }), tickets);
    try {
      for (let i = 0; i < 8; i++) {
        const events = await reader.readStream(`ticket-t${i}`);
        expect(events.map((event) => (event.data as { text: string }).text)).toEqual([
          `hello ${i}`,
          `note ${i}`,
          `more ${i}`,
        ]);
        // Sealed for the ticket's own customer.
        const stored = await envelopeOf(raw, `ticket-t${i}`);
        expect(new Set(stored.map((envelope) => envelope.c))).toEqual(new Set([`c${i}`]));
      }
      expect(JSON.stringify(await raw.readStream('ticket-t0'))).not.toContain('hello 0');
    } finally {
      await reader.close();
    }
  });
});

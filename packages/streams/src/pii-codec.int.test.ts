import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERASED, ticketStream, type TicketEvent } from '@tickets/domain';
import type { Json, NewEvent, PiiEventStore } from '@tickets/event-store';
import { describeEventStoreContract } from '@tickets/event-store/testing';
import { openDomainStore } from './open-domain-store.js';

const marie = { id: 'cus_marie', name: 'Marie Dupont', phone: '+33612345678' };
const paul = { id: 'cus_paul', name: 'Paul Martin', phone: '+33698765432', email: 'paul@example.com' };
const at = '2026-03-02T08:00:00.000Z';

const created = (ticketId: string, customer: typeof marie): NewEvent => {
  const event: TicketEvent = {
    type: 'TicketCreated',
    data: {
      ticketId,
      at,
      channel: 'sms',
      integration: 'postscript',
      customer,
      subject: `SMS from ${customer.name}`,
      origin: 'customer',
      followUpOf: null,
    },
  };
  return { id: `${ticketId}-created`, type: event.type, data: event.data as unknown as Json };
};
const sent = (ticketId: string, body: string): NewEvent => ({
  id: `${ticketId}-sent`,
  type: 'MessageSent',
  data: { ticketId, at, messageId: `${ticketId}-m`, body, author: { type: 'agent' } },
});

const newDirectory = () => mkdtempSync(join(tmpdir(), 'pii-codec-'));
const fileBytes = (directory: string): string =>
  readdirSync(directory)
    .map((name) => readFileSync(join(directory, name)).toString('latin1'))
    .join('\n');

describeEventStoreContract('SQLite file behind the PII codec', async () => {
  const directory = newDirectory();
  const open = async () =>
    (await openDomainStore(`sqlite:${join(directory, 'events.db')}`, { encryption: true })).store;
  const store = await open();
  return {
    store,
    openAnother: open,
    cleanup: async () => {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
});

describe('the PII codec', () => {
  let directory: string;
  let store: PiiEventStore;

  beforeEach(async () => {
    directory = newDirectory();
    const opened = await openDomainStore(`sqlite:${join(directory, 'events.db')}`, { encryption: true });
    await opened.checkpoints.close();
    store = opened.pii!;
    await store.appendMany([
      { stream: ticketStream('tk_m'), events: [created('tk_m', marie), sent('tk_m', 'Votre colis arrive demain')] },
      { stream: ticketStream('tk_p'), events: [created('tk_p', paul)] },
    ]);
  });
  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('stores the declared fields sealed and reads them back in clear', async () => {
    const [first, second] = await store.readStream(ticketStream('tk_m'));
    expect(first!.data).toMatchObject({ customer: marie, subject: 'SMS from Marie Dupont' });
    expect(second!.data).toMatchObject({ body: 'Votre colis arrive demain' });
    expect(first!.metadata['pii']).toBeUndefined();
    const bytes = fileBytes(directory);
    for (const secret of [marie.name, marie.phone, 'Votre colis arrive demain', paul.email])
      expect(bytes).not.toContain(secret);
    expect(bytes).toContain('cus_marie');
  });

  it('seals the extension attributes of an inbound CloudEvent like its data, and erases them (issue 14, point 3)', async () => {
    const received = {
      specversion: '1.0',
      id: 'in-1',
      source: 'https://postscript.example/sms',
      type: 'message.received',
      time: at,
      subject: 'cus_paul',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      xcontact: `${paul.email} ${paul.phone}`,
      data: { channel: 'sms' },
    };
    await store.append('inbound-x1', [
      {
        id: 'in-1',
        type: 'InboundAccepted',
        data: { event: received, via: 'http', ticketId: 'tk_p', routing: 'new_ticket' },
      },
    ]);
    const [read] = await store.readStream('inbound-x1');
    expect(read!.data).toMatchObject({ event: received });
    const bytes = fileBytes(directory);
    expect(bytes).not.toContain(paul.email);
    expect(bytes).toContain('4bf92f3577b34da6a3ce929d0e0e4736');
    await store.eraseCustomerKeys('cus_paul');
    const reopened = await openDomainStore(`sqlite:${join(directory, 'events.db')}`, { encryption: true });
    try {
      const [erased] = await reopened.store.readStream('inbound-x1');
      expect(erased!.data).toMatchObject({
        event: { xcontact: ERASED, data: ERASED, traceparent: received.traceparent },
      });
    } finally {
      await reopened.checkpoints.close();
      await reopened.store.close();
    }
  });

  it('leaves the appended event objects untouched', async () => {
    const event = sent('tk_p', 'Bonjour Paul');
    await store.append(ticketStream('tk_p'), [event]);
    expect(event.data).toMatchObject({ body: 'Bonjour Paul' });
    expect(event.metadata).toBeUndefined();
  });

  it('reads an erased customer’s fields as [erased], marked, and leaves the others readable', async () => {
    expect(await store.eraseCustomerKeys('cus_marie')).toBe(1);
    const [first, second] = await store.readStream(ticketStream('tk_m'));
    expect(first!.data).toMatchObject({ customer: { id: 'cus_marie', name: ERASED, phone: ERASED }, subject: ERASED });
    expect(second!.data).toMatchObject({ body: ERASED });
    expect(first!.metadata['erased']).toBe(true);
    const [paulCreated] = await store.readStream(ticketStream('tk_p'));
    expect(paulCreated!.data).toMatchObject({ customer: paul });
  });

  it('erases for every reader of the file: a second process no longer opens the values', async () => {
    const other = (await openDomainStore(`sqlite:${join(directory, 'events.db')}`, { encryption: true })).pii!;
    try {
      expect((await other.readStream(ticketStream('tk_m')))[0]!.data).toMatchObject({ customer: marie });
      await store.eraseCustomerKeys('cus_marie');
      // A CustomerErased event read by the other process drops its cached keys.
      await store.append('customer-cus_marie', [
        {
          id: 'erased-1',
          type: 'CustomerErased',
          data: { customerId: 'cus_marie', at, requestedBy: 'test', keysDeleted: 1 },
        },
      ]);
      await other.readStream('customer-cus_marie');
      expect((await other.readStream(ticketStream('tk_m')))[0]!.data).toMatchObject({ customer: { name: ERASED } });
    } finally {
      await other.close();
    }
  });
});

describe('personal-data settings from the configuration', () => {
  it('default to encryption on, accept off, and name the variable on anything else', async () => {
    const { readConfig } = await import('@tickets/platform');
    expect(readConfig({}).pii).toEqual({ encryption: true, keyStore: undefined });
    expect(readConfig({ TICKETS_PII_ENCRYPTION: 'off', TICKETS_KEY_STORE: 'sqlite:/tmp/keys.db' }).pii).toEqual({
      encryption: false,
      keyStore: 'sqlite:/tmp/keys.db',
    });
    expect(() => readConfig({ TICKETS_PII_ENCRYPTION: 'maybe' })).toThrow(/TICKETS_PII_ENCRYPTION/);
  });

  it('leave an EventStoreDB store in clear without a key store, and refuse erasure there', async () => {
    const opened = await openDomainStore('esdb://127.0.0.1:1?tls=false', { encryption: true });
    try {
      expect(opened.pii).toBeUndefined();
      const { eraseCustomer, ErasureUnavailableError } = await import('./erase-customer.js');
      await expect(
        eraseCustomer(opened.pii, { customerId: 'cus_marie', requestedBy: 'test' }, new Date()),
      ).rejects.toBeInstanceOf(ErasureUnavailableError);
    } finally {
      await opened.checkpoints.close();
      await opened.store.close();
    }
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ERASED, ticketStream } from '@tickets/domain';
import type { Json } from '@tickets/event-store';
import { openPostgresPool } from '@tickets/event-store/postgres';
import { describeEventStoreContract } from '@tickets/event-store/testing';
import { openDomainStore } from './open-domain-store.js';

// The PII codec on PostgreSQL: keys in `<schema>.pii_keys`, next to the events.

const url = process.env['TICKETS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = openPostgresPool({ url, maxConnections: 1, applicationName: 'tickets-pii-test' });
const schemas: string[] = [];
const newSchema = (): string => {
  const schema = `t_pii_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  return schema;
};
const storeUrl = (schema: string): string => `${url}${url.includes('?') ? '&' : '?'}schema=${schema}`;
afterAll(async () => {
  await Promise.all(schemas.map((schema) => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)));
  await admin.end();
});

describeEventStoreContract('PostgreSQL behind the PII codec', async () => {
  const location = storeUrl(newSchema());
  const open = async () => (await openDomainStore(location, { encryption: true })).store;
  const store = await open();
  return { store, openAnother: open, cleanup: () => store.close() };
});

describe('the PII codec on PostgreSQL', () => {
  it('services starting at once on a new schema all open it (the key table is created under the migrations lock)', async () => {
    const location = storeUrl(newSchema());
    // Eight processes' worth of start-ups racing on the same CREATE TABLE: none may fail.
    const opened = await Promise.all(Array.from({ length: 8 }, () => openDomainStore(location, { encryption: true })));
    for (const { store, checkpoints } of opened) {
      await checkpoints.close();
      await store.close();
    }
  });

  it('keeps personal data out of the events table, and an erasure deletes the key from pii_keys', async () => {
    const schema = newSchema();
    const opened = await openDomainStore(storeUrl(schema), { encryption: true });
    await opened.checkpoints.close();
    const store = opened.pii!;
    try {
      const created = (ticketId: string, customer: Record<string, string>): Json => ({
        ticketId,
        at: '2026-03-02T08:00:00.000Z',
        channel: 'sms',
        integration: 'postscript',
        customer,
        subject: `SMS from ${customer['name']}`,
        origin: 'customer',
        followUpOf: null,
      });
      await store.append(ticketStream('tk_m'), [
        {
          id: 'm1',
          type: 'TicketCreated',
          data: created('tk_m', { id: 'cus_marie', name: 'Marie Dupont', phone: '+33612345678' }),
        },
      ]);
      await store.append(ticketStream('tk_p'), [
        { id: 'p1', type: 'TicketCreated', data: created('tk_p', { id: 'cus_paul', name: 'Paul Martin' }) },
      ]);
      const raw = (
        await admin.query<{ data: string; metadata: string }>(`SELECT data, metadata FROM "${schema}".events`)
      ).rows
        .map((r) => r.data + r.metadata)
        .join('\n');
      expect(raw).toContain('cus_marie');
      for (const secret of ['Marie', '+33612345678', 'Paul Martin']) expect(raw).not.toContain(secret);

      expect(await store.eraseCustomerKeys('cus_marie')).toBe(1);
      expect((await admin.query(`SELECT customer_id FROM "${schema}".pii_keys`)).rows).toEqual([
        { customer_id: 'cus_paul' },
      ]);
      expect((await store.readStream(ticketStream('tk_m')))[0]!.data).toMatchObject({
        customer: { name: ERASED, phone: ERASED },
        subject: ERASED,
      });
      expect((await store.readStream(ticketStream('tk_p')))[0]!.data).toMatchObject({
        customer: { name: 'Paul Martin' },
        subject: 'SMS from Paul Martin',
      });
    } finally {
      await store.close();
    }
  });
});

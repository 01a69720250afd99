import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, ticketIdFor } from '@tickets/domain';
import type { TicketState } from '@tickets/domain';
import { createPostgresEventStore, openPostgresPool } from '@tickets/event-store/postgres';
import { createIngest } from '@tickets/ingest';
import { createLogger } from '@tickets/platform';
import { agentEvent, messageReceived, SMS_SOURCE, NO_RULES } from '@tickets/testing';
import { createPostgresTicketReadModel } from './postgres-ticket-read-model.js';
import { createProjector } from './projector.js';

const url = process.env['TICKETS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = openPostgresPool({ url, applicationName: 'read-model-test-admin', maxConnections: 2 });

// These tests run wherever the suite runs (CI starts PostgreSQL): no server is a failure, never a skip.
await admin.query('SELECT 1').catch((error: unknown) => {
  throw new Error(`PostgreSQL tests need a server at ${url} (set TICKETS_TEST_POSTGRES_URL): ${String(error)}`);
});

/** One schema for the file, dropped at the end; tests use ticket ids of their own, or a schema of their own. */
const schemas: string[] = [];
const freshSchema = (): string => {
  const schema = `t_rm_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  return schema;
};
afterAll(async () => {
  await Promise.all(schemas.map((schema) => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)));
  await admin.end();
});

const logger = createLogger({ level: 'silent' });

function ticket(overrides: Partial<TicketState> & Pick<TicketState, 'ticketId'>): TicketState {
  return {
    status: 'open',
    channel: 'sms',
    integration: 'postscript',
    customer: { id: 'cus_1', name: 'Élodie Dupont', phone: '+33600000001' },
    subject: 'SMS from Élodie Dupont',
    tags: [],
    team: null,
    agent: null,
    createdAt: '2025-03-01T09:00:00.000Z',
    closedAt: null,
    reopenDeadline: null,
    reopenWindow: null,
    reopenCount: 0,
    followUpOf: null,
    messageCount: 1,
    lastMessageAt: '2025-03-01T09:00:00.000Z',
    ruleFirings: {},
    timers: [],
    version: 1,
    ...overrides,
  };
}

describe('ticket read model on PostgreSQL', () => {
  it('starts empty at checkpoint 0, then commits rows and checkpoint together', async () => {
    const readModel = await createPostgresTicketReadModel({ url, schema: freshSchema() });
    try {
      expect(await readModel.checkpoint()).toBe(0);
      expect(await readModel.get('tk_a')).toBeNull();
      const a = ticket({ ticketId: 'tk_a', tags: ['vip'] });
      const b = ticket({ ticketId: 'tk_b', customer: { id: 'cus_2' } });
      await readModel.commit([a, b], 7);
      expect(await readModel.checkpoint()).toBe(7);
      expect(await readModel.get('tk_a')).toEqual(a);
      expect(await readModel.getMany(['tk_b', 'tk_missing', 'tk_a'])).toEqual(
        new Map([
          ['tk_b', b],
          ['tk_a', a],
        ]),
      );
      expect(await readModel.getMany([])).toEqual(new Map());
    } finally {
      await readModel.close();
    }
  });

  it('an update replaces the state but keeps the creation time it was first stored with, and the last of a batch wins', async () => {
    const readModel = await createPostgresTicketReadModel({ url, schema: freshSchema() });
    try {
      await readModel.commit([ticket({ ticketId: 'tk_a' })], 1);
      const closed = ticket({ ticketId: 'tk_a', status: 'closed', version: 3 });
      await readModel.commit([ticket({ ticketId: 'tk_a', version: 2 }), closed], 3);
      expect(await readModel.get('tk_a')).toEqual(closed);
      expect(await readModel.checkpoint()).toBe(3);
    } finally {
      await readModel.close();
    }
  });

  it('a failing commit changes neither the rows nor the checkpoint', async () => {
    const readModel = await createPostgresTicketReadModel({ url, schema: freshSchema() });
    try {
      const a = ticket({ ticketId: 'tk_a' });
      await readModel.commit([a], 1);
      const broken = ticket({ ticketId: 'tk_b', createdAt: 'not a time' });
      await expect(readModel.commit([ticket({ ticketId: 'tk_a', version: 9 }), broken], 2)).rejects.toThrow();
      expect(await readModel.get('tk_a')).toEqual(a);
      expect(await readModel.get('tk_b')).toBeNull();
      expect(await readModel.checkpoint()).toBe(1);
    } finally {
      await readModel.close();
    }
  });

  it('a writer whose checkpoint was moved by another (a lease lost unnoticed) writes nothing and is told so', async () => {
    const schema = freshSchema();
    const holder = await createPostgresTicketReadModel({ url, schema });
    const former = await createPostgresTicketReadModel({ url, schema });
    try {
      const at = await former.checkpoint();
      expect(await holder.checkpoint()).toBe(at);
      const current = ticket({ ticketId: 'tk_a', status: 'closed', version: 5 });
      await holder.commit([current], 12, at);
      // The former holder still believes the checkpoint is where it loaded it: its older row is refused.
      await expect(former.commit([ticket({ ticketId: 'tk_a', version: 3 })], 9, at)).rejects.toMatchObject({
        code: 'EVENT_STORE.CONCURRENCY',
        actual: 12,
      });
      expect(await holder.get('tk_a')).toEqual(current);
      expect(await holder.checkpoint()).toBe(12);
      // Two writers expecting the same checkpoint at once: exactly one commits.
      const results = await Promise.allSettled([
        holder.commit([ticket({ ticketId: 'tk_b', version: 1 })], 20, 12),
        former.commit([ticket({ ticketId: 'tk_c', version: 1 })], 21, 12),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect([20, 21]).toContain(await holder.checkpoint());
    } finally {
      await former.close();
      await holder.close();
    }
  });

  it('orders by creation time, then by ticket id compared bytewise, per customer and overall', async () => {
    const readModel = await createPostgresTicketReadModel({ url, schema: freshSchema() });
    try {
      const rows = [
        ticket({ ticketId: 'tk_late', createdAt: '2025-03-02T00:00:00.000Z' }),
        ticket({ ticketId: 'tk_a', createdAt: '2025-03-01T00:00:00.000Z' }),
        // Bytewise, 'B' sorts before 'a'; most locale collations would put it after.
        ticket({ ticketId: 'tk_B', createdAt: '2025-03-01T00:00:00.000Z' }),
        ticket({ ticketId: 'tk_other', createdAt: '2025-02-01T00:00:00.000Z', customer: { id: 'cus_2' } }),
      ];
      await readModel.commit(rows, 4);
      expect((await readModel.byCustomer('cus_1')).map((t) => t.ticketId)).toEqual(['tk_B', 'tk_a', 'tk_late']);
      expect((await readModel.byCustomer('cus_nobody')).map((t) => t.ticketId)).toEqual([]);
      expect((await readModel.all()).map((t) => t.ticketId)).toEqual(['tk_other', 'tk_B', 'tk_a', 'tk_late']);
      expect(await readModel.ticketIds()).toEqual(['tk_other', 'tk_B', 'tk_a', 'tk_late']);
    } finally {
      await readModel.close();
    }
  });

  it('reset drops every row and the checkpoint; a big commit goes through in several statements', async () => {
    const readModel = await createPostgresTicketReadModel({ url, schema: freshSchema() });
    try {
      const many = Array.from({ length: 4_500 }, (_, i) => ticket({ ticketId: `tk_${String(i).padStart(5, '0')}` }));
      await readModel.commit(many, 4_500);
      expect(await readModel.all()).toHaveLength(4_500);
      await readModel.reset();
      expect(await readModel.all()).toEqual([]);
      expect(await readModel.checkpoint()).toBe(0);
    } finally {
      await readModel.close();
    }
  });

  it('creates its tables once, even when several processes start at once, beside the event store', async () => {
    const schema = freshSchema();
    const [first, ...others] = await Promise.all([
      createPostgresTicketReadModel({ url, schema }),
      createPostgresTicketReadModel({ url, schema }),
      createPostgresEventStore({ url, schema }),
      createPostgresTicketReadModel({ url, schema }),
    ]);
    await Promise.all([first, ...others].map((opened) => opened!.close()));
    const { rows } = await admin.query(
      `SELECT component, version FROM "${schema}".schema_migrations ORDER BY component, version`,
    );
    expect(rows).toEqual([
      { component: 'event-store', version: 1 },
      // Step 2: the hash chain's column.
      { component: 'event-store', version: 2 },
      { component: 'ticket-read-model', version: 1 },
      // Step 2: the timers' due-time index.
      { component: 'ticket-read-model', version: 2 },
    ]);
  });

  it('the projector folds events from the PostgreSQL store into it, resumes from its checkpoint and rebuilds the same rows', async () => {
    const schema = freshSchema();
    const store = await createPostgresEventStore({ url, schema });
    const readModel = await createPostgresTicketReadModel({ url, schema });
    try {
      const ingest = createIngest({ store, rules: NO_RULES, policy: DEFAULT_REOPEN_POLICY, logger });
      const T = ticketIdFor(SMS_SOURCE, 'p-1');
      await ingest.submit([
        messageReceived({ id: 'p-1', time: '2026-03-02T08:00:00Z', body: 'Bonjour' }),
        agentEvent('ticket.tagged', { time: '2026-03-02T08:01:00Z', ticketId: T, data: { add: ['vip', 'b-tag'] } }),
        agentEvent('ticket.closed', { time: '2026-03-02T09:00:00Z', ticketId: T }),
      ]);
      const projector = createProjector({ store, readModel, logger, batchSize: 2 });
      expect(await projector.catchUp()).toBeGreaterThan(0);
      expect(await readModel.get(T)).toMatchObject({
        ticketId: T,
        status: 'closed',
        tags: ['b-tag', 'vip'],
        closedAt: '2026-03-02T09:00:00.000Z',
        reopenDeadline: '2026-03-03T09:00:00.000Z',
        messageCount: 1,
        version: 4,
      });
      // The projector reads ticket streams only: its checkpoint is the last ticket event's position.
      expect(await readModel.checkpoint()).toBe(
        (await store.readAll({ streamPrefixes: ['ticket-'] })).at(-1)!.position,
      );
      const live = await readModel.all();

      // A crash after the rows were written but before the checkpoint moved: everything is replayed.
      await readModel.commit([], 0);
      await createProjector({ store, readModel, logger }).catchUp();
      expect(await readModel.all()).toEqual(live);

      expect(await projector.rebuild()).toBe((await store.readStream(`ticket-${T}`)).length);
      expect(await readModel.all()).toEqual(live);
    } finally {
      await readModel.close();
      await store.close();
    }
  });
});

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PendingTimer, TicketState } from '@tickets/domain';
import { openPostgresPool } from '@tickets/event-store/postgres';
import { tempDir } from '@tickets/testing';
import { createPostgresTicketReadModel } from './postgres-ticket-read-model.js';
import { createSqliteTicketReadModel } from './sqlite-ticket-read-model.js';
import type { TicketReadModel } from './ticket-read-model.port.js';

// The timers' due-time index beside the read model: what the scheduler queries instead of holding
// one in-memory timer per ticket (docs/timers.md).

const url = process.env['TICKETS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = openPostgresPool({ url, applicationName: 'due-index-test-admin', maxConnections: 2 });
const schemas: string[] = [];
const dirs: ReturnType<typeof tempDir>[] = [];
afterAll(async () => {
  for (const dir of dirs) dir[Symbol.dispose]();
  await Promise.all(schemas.map((schema) => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)));
  await admin.end();
});

const timer = (dueAt: string): PendingTimer => ({
  timerId: `tm_${dueAt}`,
  ruleId: 'r',
  kind: 'agent_reply',
  dueAt,
  setAt: '2026-03-01T00:00:00.000Z',
  setBy: 'ev_1',
});

function ticket(ticketId: string, customerId: string, timers: PendingTimer[]): TicketState {
  return {
    ticketId,
    status: 'open',
    channel: 'sms',
    integration: null,
    customer: { id: customerId },
    subject: 'SMS',
    tags: [],
    team: null,
    agent: null,
    createdAt: '2026-03-01T00:00:00.000Z',
    closedAt: null,
    reopenDeadline: null,
    reopenWindow: null,
    reopenCount: 0,
    followUpOf: null,
    messageCount: 1,
    lastMessageAt: null,
    ruleFirings: {},
    timers,
    version: 2,
  };
}

const models: [string, () => Promise<TicketReadModel>][] = [
  [
    'SQLite',
    async () => {
      const dir = tempDir();
      dirs.push(dir);
      return createSqliteTicketReadModel({ path: join(dir.path, 'rm.db') });
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const schema = `due_${randomBytes(4).toString('hex')}`;
      schemas.push(schema);
      return createPostgresTicketReadModel({ url, schema });
    },
  ],
];

describe.each(models)('due-time index on %s', (_name, open) => {
  it('lists the customers with a timer due by a time, earliest first, and forgets a ticket once its timers are gone', async () => {
    const model = await open();
    try {
      await model.commit(
        [
          ticket('t1', 'c1', [timer('2026-03-04T08:30:00.000Z'), timer('2026-03-05T08:30:00.000Z')]),
          ticket('t2', 'c2', [timer('2026-03-03T08:30:00.000Z')]),
          ticket('t3', 'c3', []),
          ticket('t4', 'c1', [timer('2026-03-09T08:30:00.000Z')]),
        ],
        4,
      );
      expect(await model.dueCustomers('2026-03-02T00:00:00.000Z', 10)).toEqual([]);
      expect(await model.dueCustomers('2026-03-04T08:30:00.000Z', 10)).toEqual(['c2', 'c1']);
      expect(await model.dueCustomers('2026-03-10T00:00:00.000Z', 1)).toEqual(['c2']);
      // The timers fired: the rows go.
      await model.commit([ticket('t2', 'c2', []), ticket('t1', 'c1', [])], 6);
      expect(await model.dueCustomers('2026-03-10T00:00:00.000Z', 10)).toEqual(['c1']);
      await model.reset();
      expect(await model.dueCustomers('2026-03-10T00:00:00.000Z', 10)).toEqual([]);
    } finally {
      await model.close();
    }
  });
});

describe.each(models)('rows read by id on %s', (_name, open) => {
  it('finds every row asked for, more than one statement holds, and none for ids without one or asked twice', async () => {
    const model = await open();
    try {
      const rows = Array.from({ length: 1_234 }, (_, i) =>
        ticket(`tk_${String(i).padStart(4, '0')}`, `cus_${i % 50}`, []),
      );
      await model.commit(rows, 1);
      // Asked out of order, with ids of no row and ids asked twice.
      const asked = [...rows.map((row) => row.ticketId).reverse(), 'tk_missing', 'tk_0007', 'tk_zzz', 'tk_1233'];
      const found = await model.getMany(asked);
      expect(found.size).toBe(rows.length);
      for (const row of rows) expect(found.get(row.ticketId)).toEqual(row);
      expect(await model.getMany(['tk_missing'])).toEqual(new Map());
      expect(await model.getMany([])).toEqual(new Map());
    } finally {
      await model.close();
    }
  });
});

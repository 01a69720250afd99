import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DEFAULT_REOPEN_POLICY, ticketIdFor } from '@tickets/domain';
import type { EventStore } from '@tickets/event-store';
import { createSqliteEventStore } from '@tickets/event-store/sqlite';
import { createIngest } from '@tickets/ingest';
import { createLogger } from '@tickets/platform';
import { agentEvent, messageReceived, SMS_SOURCE, tempDir, NO_RULES } from '@tickets/testing';
import { createProjector } from './projector.js';
import { createSqliteTicketReadModel } from './sqlite-ticket-read-model.js';
import type { TicketReadModel } from './ticket-read-model.port.js';

const logger = createLogger({ level: 'silent' });

describe('projector on SQLite', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: EventStore;
  let readModel: TicketReadModel;
  const path = () => join(dir.path, 'tickets.db');

  beforeEach(() => {
    dir = tempDir();
    store = createSqliteEventStore({ path: path() });
    readModel = createSqliteTicketReadModel({ path: path() });
  });
  afterEach(async () => {
    await readModel.close();
    await store.close();
    dir[Symbol.dispose]();
  });

  async function seed(): Promise<string> {
    const ingest = createIngest({ store, rules: NO_RULES, policy: DEFAULT_REOPEN_POLICY, logger });
    const T = ticketIdFor(SMS_SOURCE, 'p-1');
    await ingest.submit([
      messageReceived({ id: 'p-1', time: '2026-03-02T08:00:00Z', body: 'Bonjour' }),
      agentEvent('ticket.tagged', { time: '2026-03-02T08:01:00Z', ticketId: T, data: { add: ['vip', 'b-tag'] } }),
      agentEvent('ticket.closed', { time: '2026-03-02T09:00:00Z', ticketId: T }),
    ]);
    return T;
  }

  it('folds the ticket events into the read model, with reopenDeadline on closed tickets', async () => {
    const T = await seed();
    const projector = createProjector({ store, readModel, logger });
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
    expect((await readModel.byCustomer('cus_marie')).map((t) => t.ticketId)).toEqual([T]);
    // The checkpoint is the last ticket event folded (the projector reads ticket streams only).
    const [lastTicketEvent] = await store.readStream(`ticket-${T}`, { direction: 'backwards', maxCount: 1 });
    expect(await readModel.checkpoint()).toBe(lastTicketEvent?.position);
  });

  it('a restart resumes from its checkpoint and a replayed batch changes nothing', async () => {
    const T = await seed();
    const first = createProjector({ store, readModel, logger, batchSize: 2 });
    await first.catchUp();
    const before = await readModel.get(T);
    // Simulate a crash after the rows were written but before the checkpoint moved: replay all.
    await readModel.commit([], 0);
    const second = createProjector({ store, readModel, logger, batchSize: 2 });
    await second.catchUp();
    expect(await readModel.get(T)).toEqual(before);
  });

  it('a projector whose checkpoint another projector moved meanwhile writes nothing more and fails with a concurrency error', async () => {
    await seed();
    const other = createProjector({ store, readModel, logger });
    let otherRan = false;
    let otherCommitted = -1;
    // After the former holder's first commit, another projector (the new lease holder) catches up.
    const watched: TicketReadModel = {
      ...readModel,
      checkpoint: () => readModel.checkpoint(),
      commit: async (rows, checkpoint, expected) => {
        await readModel.commit(rows, checkpoint, expected);
        if (otherRan) return;
        otherRan = true;
        await other.catchUp();
        otherCommitted = await readModel.checkpoint();
      },
    };
    const former = createProjector({ store, readModel: watched, logger, batchSize: 1, commitEvery: 1 });
    const caughtUp = await readModel.checkpoint();
    await expect(former.catchUp()).rejects.toMatchObject({ code: 'EVENT_STORE.CONCURRENCY' });
    expect(otherRan).toBe(true);
    // What the other projector committed stands: the full fold, past the former's first page.
    expect(caughtUp).toBe(0);
    expect(otherCommitted).toBeGreaterThan(1);
    expect(await readModel.checkpoint()).toBe(otherCommitted);
  });

  it('rebuild from zero gives the same rows as the live projection', async () => {
    const T = await seed();
    const projector = createProjector({ store, readModel, logger });
    await projector.catchUp();
    const live = await readModel.all();
    expect(await projector.rebuild()).toBe((await store.readStream(`ticket-${T}`)).length);
    expect(await readModel.all()).toEqual(live);
    expect(live.map((t) => t.ticketId)).toEqual([T]);
    expect(await readModel.ticketIds()).toEqual([T]);
  });
});

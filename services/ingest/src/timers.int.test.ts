import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, RulesFile, ticketIdFor, type InboundEventInput } from '@tickets/domain';
import type { EventStore, RecordedEvent } from '@tickets/event-store';
import { createSqliteEventStore } from '@tickets/event-store/sqlite';
import { createLogger } from '@tickets/platform';
import { agentEvent, messageReceived, SMS_SOURCE, tempDir } from '@tickets/testing';
import { createIngest, type Ingest } from './ingest.js';

// Timers through the real ingest on SQLite files: SPEC invariant 7 says every timer due at or before
// an event's time fires before that event is decided, so the stored outcome never depends on whether
// the scheduler fired a timer first or the next event did.

const logger = createLogger({ level: 'silent' });
const rules = RulesFile.parse({
  rules: [
    {
      id: 'nudge-48h',
      name: 'Nudge after 48 h without a customer reply',
      when: { after: '48h', since: 'agent_reply' },
      then: [{ type: 'send_auto_reply', body: "Avez-vous encore besoin d'aide ?" }],
    },
    {
      id: 'autoclose-72h',
      name: 'Close after 72 h without a customer reply',
      when: { after: '72h', since: 'agent_reply' },
      then: [{ type: 'close_ticket' }, { type: 'add_tag', tag: 'auto-closed-no-reply' }],
    },
  ],
});

const first = messageReceived({ id: 'first', time: '2026-03-02T08:00:00.000Z', body: 'Ma commande ?' });
const ticketId = ticketIdFor(SMS_SOURCE, 'first');
const replied = agentEvent('message.sent', { id: 'reply', time: '2026-03-02T09:30:00.000Z', ticketId });
const later = messageReceived({ id: 'later', time: '2026-03-05T20:00:00.000Z', body: 'Toujours là ?' });
const CUSTOMER = (first as { subject: string }).subject;

/** Everything a reader of the store sees: every ticket and customer event, ids, data and metadata. */
async function stored(
  store: EventStore,
): Promise<Pick<RecordedEvent, 'id' | 'stream' | 'type' | 'data' | 'metadata'>[]> {
  const events = await store.readAll({ streamPrefixes: ['ticket-', 'customer-'], maxCount: 100_000 });
  return events
    .map(({ id, stream, type, data, metadata }) => ({ id, stream, type, data, metadata }))
    .sort((a, b) => (a.stream === b.stream ? 0 : a.stream < b.stream ? -1 : 1));
}

describe('timers through the ingest on SQLite', () => {
  let dir: ReturnType<typeof tempDir>;
  const opened: { close(): Promise<void> }[] = [];
  const open = (name: string): { store: EventStore; ingest: Ingest } => {
    const store = createSqliteEventStore({ path: join(dir.path, `${name}.db`) });
    const ingest = createIngest({ store, rules, policy: DEFAULT_REOPEN_POLICY, logger });
    opened.push(ingest, store);
    return { store, ingest };
  };
  const submitEach = async (ingest: Ingest, events: readonly InboundEventInput[]): Promise<void> => {
    for (const event of events) expect((await ingest.submit([event]))[0]?.status).toBe('accepted');
  };

  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    for (const item of opened.splice(0).reverse()) await item.close();
    dir[Symbol.dispose]();
  });

  it('stores the same events, ids and commands whether the scheduler fired the due timers before the next event or the next event fired them', async () => {
    const byEvent = open('by-event');
    await submitEach(byEvent.ingest, [first, replied, later]);

    const byScheduler = open('by-scheduler');
    await submitEach(byScheduler.ingest, [first, replied]);
    // The wall clock passed the nudge, then the close, before the customer wrote again.
    expect(await byScheduler.ingest.fireTimers([CUSTOMER], '2026-03-04T12:00:00.000Z')).toBe(1);
    expect(await byScheduler.ingest.fireTimers([CUSTOMER], '2026-03-05T12:00:00.000Z')).toBe(1);
    await submitEach(byScheduler.ingest, [later]);

    const events = await stored(byEvent.store);
    expect(events.filter((e) => e.type === 'TimerFired')).toHaveLength(2);
    expect(await stored(byScheduler.store)).toEqual(events);
  });

  it('as one batch: the timers due before the batch’s later event fire before it is decided', async () => {
    const oneByOne = open('one-by-one');
    await submitEach(oneByOne.ingest, [first, replied, later]);
    const batch = open('batch');
    expect((await batch.ingest.submit([first, replied, later])).map((r) => r.status)).toEqual([
      'accepted',
      'accepted',
      'accepted',
    ]);
    expect(await stored(batch.store)).toEqual(await stored(oneByOne.store));
  });

  it('fires a timer once, by its id, however often and by however many writers the clock is run', async () => {
    const { store, ingest } = open('shared');
    await submitEach(ingest, [first, replied]);
    const second = createIngest({
      store: createSqliteEventStore({ path: join(dir.path, 'shared.db') }),
      rules,
      policy: DEFAULT_REOPEN_POLICY,
      logger,
    });
    opened.push(second);
    // Both writers may decide the same firings: their events have the same ids (derived from the
    // timer id), which the store appends once.
    await Promise.all([
      ingest.fireTimers([CUSTOMER], '2026-03-10T00:00:00.000Z'),
      second.fireTimers([CUSTOMER], '2026-03-10T00:00:00.000Z'),
      ingest.fireTimers([CUSTOMER], '2026-03-10T00:00:00.000Z'),
    ]);
    const events = await store.readStream(`ticket-${ticketId}`);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.filter((e) => e.type === 'TimerFired').map((e) => (e.data as { ruleId: string }).ruleId)).toEqual([
      'nudge-48h',
      'autoclose-72h',
    ]);
    expect(await ingest.fireTimers([CUSTOMER], '2026-03-10T00:00:00.000Z')).toBe(0);
  });
});

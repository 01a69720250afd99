import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventStore, Json, NewEvent } from '@tickets/event-store';
import { createSqliteEventStore } from '@tickets/event-store/sqlite';
import {
  customerStream,
  DEFAULT_REOPEN_POLICY,
  reopenWindowFor,
  ticketStream,
  type TicketEvent,
} from '@tickets/domain';
import { StreamStateCache } from './stream-state.js';
import { ticketTimeline, walkTicketTimeline } from './ticket-timeline.js';

const T = 'tk_1';
const customer = { id: 'cus_1', name: 'Marie Dupont', phone: '+33612345678' };
const window = reopenWindowFor(DEFAULT_REOPEN_POLICY, { channel: 'sms', integration: 'postscript' });

const created: TicketEvent = {
  type: 'TicketCreated',
  data: {
    ticketId: T,
    at: '2026-03-02T08:00:00.000Z',
    channel: 'sms',
    integration: 'postscript',
    customer,
    subject: 'SMS from Marie Dupont',
    origin: 'customer',
    followUpOf: null,
  },
};
const closed: TicketEvent = {
  type: 'TicketClosed',
  data: {
    ticketId: T,
    at: '2026-03-02T09:00:00.000Z',
    closedBy: { type: 'agent' },
    window,
    reopenDeadline: '2026-03-03T09:00:00.000Z',
  },
};
const tagged: TicketEvent = {
  type: 'TagsChanged',
  data: { ticketId: T, at: '2026-03-02T10:00:00.000Z', added: ['vip'], removed: [], by: { type: 'agent' } },
};
const asNew = (event: TicketEvent, id: string): NewEvent => ({
  id,
  type: event.type,
  data: event.data as unknown as Json,
  metadata: { correlationId: `c-${id}` },
});

describe('StreamStateCache', () => {
  let store: EventStore;
  beforeEach(() => {
    store = createSqliteEventStore({ path: ':memory:' });
  });
  afterEach(() => store.close());

  it('folds a stream once and trusts it: another writer shows as a conflict on commit, and after invalidate the stream is read again', async () => {
    await store.append(ticketStream(T), [asNew(created, 'e1')]);
    const cache = new StreamStateCache(store);
    const first = await cache.ticket(T);
    expect(first).toMatchObject({ revision: 0, state: { status: 'open' } });
    await store.append(ticketStream(T), [asNew(closed, 'e2')], { expectedVersion: 0 });
    // Still the cached revision: a decision on it appends with expected version 0 and is refused.
    expect(await cache.ticket(T)).toBe(first);
    await expect(
      store.append(ticketStream(T), [asNew(tagged, 'e3')], { expectedVersion: first.revision }),
    ).rejects.toMatchObject({ code: 'EVENT_STORE.CONCURRENCY' });
    cache.invalidate(ticketStream(T));
    expect(await cache.ticket(T)).toMatchObject({
      revision: 1,
      state: { status: 'closed', reopenDeadline: '2026-03-03T09:00:00.000Z' },
    });
  });

  it('an unknown ticket is null at revision -1, and a new customer starts with no routes', async () => {
    const cache = new StreamStateCache(store);
    expect(await cache.ticket('tk_nope')).toMatchObject({ revision: -1, state: null });
    expect(await cache.customer('cus_new')).toMatchObject({
      stream: customerStream('cus_new'),
      revision: -1,
      state: { state: { routes: {}, optedOutAt: null }, timed: [] },
    });
  });

  it('setTicket remembers our own writes; invalidate forgets them', async () => {
    await store.append(ticketStream(T), [asNew(created, 'e1')]);
    const cache = new StreamStateCache(store);
    const loaded = await cache.ticket(T);
    cache.setTicket({ ...loaded, state: { ...loaded.state!, tags: ['remembered'] } });
    expect((await cache.ticket(T)).state?.tags).toEqual(['remembered']);
    cache.invalidate(ticketStream(T));
    expect((await cache.ticket(T)).state?.tags).toEqual([]);
  });
});

describe('ticketTimeline', () => {
  let store: EventStore;
  beforeEach(async () => {
    store = createSqliteEventStore({ path: ':memory:' });
    await store.append(ticketStream(T), [asNew(created, 'e1'), asNew(closed, 'e2'), asNew(tagged, 'e3')]);
  });
  afterEach(() => store.close());

  it('lists each event with the state after it and what changed', async () => {
    const timeline = await ticketTimeline(store, T);
    expect(timeline?.entries.map((e) => e.type)).toEqual(['TicketCreated', 'TicketClosed', 'TagsChanged']);
    expect(timeline?.entries[1]).toMatchObject({
      time: '2026-03-02T09:00:00.000Z',
      correlationId: 'c-e2',
      changes: expect.arrayContaining([{ field: 'status', before: 'open', after: 'closed' }]),
      state: { status: 'closed' },
    });
    expect(timeline?.entries[2]?.changes).toEqual([{ field: 'tags', before: [], after: ['vip'] }]);
    expect(timeline?.state?.tags).toEqual(['vip']);
  });

  it('with `at`, stops before the first later event: the state at that moment', async () => {
    const timeline = await ticketTimeline(store, T, { at: '2026-03-02T09:30:00.000Z' });
    expect(timeline?.entries).toHaveLength(2);
    expect(timeline?.state).toMatchObject({ status: 'closed', tags: [] });
  });

  it('an unknown ticket has no timeline', async () => {
    expect(await ticketTimeline(store, 'tk_nope')).toBeNull();
    expect(await walkTicketTimeline(store, 'tk_nope')).toBeNull();
  });

  it('walks a long ticket a store page at a time, with the same entries and state as read whole', async () => {
    // 2,503 events: the three above, then tags added and removed across the walk's 250-event reads.
    const more = Array.from({ length: 2_500 }, (_, i) => {
      const at = new Date(Date.parse('2026-03-02T10:00:00.000Z') + (i + 1) * 1_000).toISOString();
      const tag = `t${i}`;
      const data = { ticketId: T, at, added: [tag], removed: i > 0 ? [`t${i - 1}`] : [], by: { type: 'agent' } };
      return asNew({ type: 'TagsChanged', data } as TicketEvent, `m${i}`);
    });
    for (let i = 0; i < more.length; i += 500) await store.append(ticketStream(T), more.slice(i, i + 500));

    const walk = await walkTicketTimeline(store, T);
    const pages: number[] = [];
    const versions: number[] = [];
    for await (const page of walk!.pages) {
      pages.push(page.length);
      versions.push(...page.map((e) => e.version));
    }
    expect(pages).toEqual([...Array.from({ length: 10 }, () => 250), 3]);
    expect(versions).toEqual(Array.from({ length: 2_503 }, (_, i) => i));
    expect(walk!.end()).toEqual({ state: expect.objectContaining({ tags: ['t2499', 'vip'] }), total: 2_503 });

    const whole = await ticketTimeline(store, T);
    expect(whole?.entries).toHaveLength(2_503);
    expect(whole?.entries[1_500]?.changes).toEqual([
      { field: 'tags', before: ['t1496', 'vip'], after: ['t1497', 'vip'] },
    ]);

    // `at` in the fifth read: the walk stops there and reads no further.
    const at = new Date(Date.parse('2026-03-02T10:00:00.000Z') + 1_200 * 1_000).toISOString();
    const bounded = await ticketTimeline(store, T, { at });
    expect(bounded?.entries).toHaveLength(1_203);
    expect(bounded?.state?.tags).toEqual(['t1199', 'vip']);
    const page = await ticketTimeline(store, T, { page: { from: 999, limit: 3 } });
    expect(page?.entries.map((e) => e.version)).toEqual([999, 1_000, 1_001]);
    expect(page?.page).toEqual({ from: 999, limit: 3, total: 2_503 });
  });
});

import { describe, expect, it } from 'vitest';
import {
  customerStream,
  ticketStream,
  type CustomerHistory,
  type InboundEvent,
  type TicketState,
} from '@tickets/domain';
import type { EventStore, ReadStreamOptions, RecordedEvent } from '@tickets/event-store';
import type { Integration } from '@tickets/platform';
import type { Loaded } from '@tickets/streams';
import { createScopeCheck } from './integration-scope.js';

const integration = (name: string): Integration =>
  ({ name, sources: [`https://${name}.example/`], secrets: ['whsec_x'] }) as unknown as Integration;

const recorded = (stream: string, version: number, type: string, data: unknown): RecordedEvent =>
  ({ stream, version, position: version, id: `${stream}-${version}`, type, data, metadata: {} }) as RecordedEvent;

/** A store of a few streams that only reads (all the scope check does), counting its reads and head looks. */
function fakeStore(streams: Map<string, RecordedEvent[]>) {
  const reads: { stream: string; fromVersion: number }[] = [];
  let looks = 0;
  const store = {
    async readStream(stream: string, options: ReadStreamOptions = {}) {
      const from = options.fromVersion ?? 0;
      reads.push({ stream, fromVersion: from });
      return (streams.get(stream) ?? []).filter((event) => event.version >= from).slice(0, options.maxCount);
    },
    async streamVersions(names: readonly string[]) {
      looks++;
      const heads = new Map<string, number>();
      for (const name of names) {
        const events = streams.get(name);
        if (events !== undefined && events.length > 0) heads.set(name, events[events.length - 1]!.version);
      }
      return heads;
    },
  } as unknown as EventStore;
  return { store, reads: () => reads.length, readsOf: () => reads, looks: () => looks };
}

const message = (id: string, customerId: string): InboundEvent =>
  ({
    type: 'message.received',
    source: 'https://mine.example/',
    id,
    subject: customerId,
    data: { channel: 'sms', customer: { id: customerId }, body: 'hi' },
  }) as unknown as InboundEvent;

const close = (id: string, ticketId: string): InboundEvent =>
  ({
    type: 'ticket.closed',
    source: 'https://mine.example/',
    id,
    subject: 'agent',
    data: { ticketId },
  }) as unknown as InboundEvent;

const opened = (ticketId: string, integration: string, customerId: string) =>
  recorded(ticketStream(ticketId), 0, 'TicketCreated', { integration, customer: { id: customerId } });

describe('the integration scope check', () => {
  it("sees a route to another integration's ticket recorded after it last read the customer", async () => {
    const streams = new Map<string, RecordedEvent[]>([
      [ticketStream('tk_other'), [opened('tk_other', 'other', 'cus_1')]],
    ]);
    const { store, reads, readsOf } = fakeStore(streams);
    const mine = integration('mine');
    const scope = createScopeCheck(store, [mine, integration('other')]);

    expect(await scope.check(mine, [message('m-1', 'cus_1')])).toEqual([null]);
    // The customer has no stream yet: nothing to read.
    expect(reads()).toBe(0);
    streams.set(customerStream('cus_1'), [
      recorded(customerStream('cus_1'), 0, 'CustomerRouted', { channel: 'sms', ticketId: 'tk_other' }),
    ]);
    const [refused] = await scope.check(mine, [message('m-2', 'cus_1')]);
    expect(refused).toMatchObject({ path: 'data.channel', code: 'out_of_scope' });
    expect(readsOf()).toEqual([
      { stream: customerStream('cus_1'), fromVersion: 0 },
      { stream: ticketStream('tk_other'), fromVersion: 0 },
    ]);
    // Unchanged since: the routes and the owner are known, and nothing is read again.
    expect((await scope.check(mine, [message('m-3', 'cus_1')]))[0]).toMatchObject({ path: 'data.channel' });
    expect(reads()).toBe(2);
  });

  it('reads a customer whose stream moved from after the last event it read, and sees the new route', async () => {
    const customer = customerStream('cus_1');
    const streams = new Map<string, RecordedEvent[]>([
      [ticketStream('tk_mine'), [opened('tk_mine', 'mine', 'cus_1')]],
      [ticketStream('tk_other'), [opened('tk_other', 'other', 'cus_1')]],
      [customer, [recorded(customer, 0, 'CustomerRouted', { channel: 'sms', ticketId: 'tk_mine' })]],
    ]);
    const { store, readsOf } = fakeStore(streams);
    const mine = integration('mine');
    const scope = createScopeCheck(store, [mine, integration('other')]);

    expect(await scope.check(mine, [message('m-1', 'cus_1')])).toEqual([null]);
    streams
      .get(customer)!
      .push(
        recorded(customer, 1, 'CustomerSeen', {}),
        recorded(customer, 2, 'CustomerRouted', { channel: 'sms', ticketId: 'tk_other' }),
      );
    const [refused] = await scope.check(mine, [message('m-2', 'cus_1')]);
    expect(refused).toMatchObject({ path: 'data.channel', message: expect.stringContaining('tk_other') });
    expect(readsOf().filter((read) => read.stream === customer)).toEqual([
      { stream: customer, fromVersion: 0 },
      { stream: customer, fromVersion: 1 },
    ]);
  });

  it("looks at the heads of all of a request's streams at once, and reads none that do not exist", async () => {
    const { store, reads, looks } = fakeStore(new Map());
    const mine = integration('mine');
    const scope = createScopeCheck(store, [mine]);
    const events = Array.from({ length: 50 }, (_, i) => message(`m-${i}`, `cus_${i}`));
    events.push(close('c-1', 'tk_unknown'));

    const results = await scope.check(mine, events);
    expect(results).toEqual(events.map(() => null));
    expect(looks()).toBe(1);
    expect(reads()).toBe(0);
  });

  it("refuses an agent event on another integration's ticket, reading the ticket's first event once", async () => {
    const streams = new Map([[ticketStream('tk_other'), [opened('tk_other', 'other', 'cus_1')]]]);
    const { store, reads, looks } = fakeStore(streams);
    const mine = integration('mine');
    const scope = createScopeCheck(store, [mine, integration('other')]);

    for (const id of ['c-1', 'c-2'])
      expect((await scope.check(mine, [close(id, 'tk_other')]))[0]).toMatchObject({
        path: 'data.ticketId',
        code: 'out_of_scope',
      });
    expect(reads()).toBe(1);
    // The owner is cached: the second check has nothing to look at.
    expect(looks()).toBe(1);
  });

  it("uses the ingest's own state of a customer whose revision is the stream's head, and reads it when it is behind", async () => {
    const customer = customerStream('cus_1');
    const streams = new Map<string, RecordedEvent[]>([
      [ticketStream('tk_other'), [opened('tk_other', 'other', 'cus_1')]],
      [customer, [recorded(customer, 0, 'CustomerSeen', {}), recorded(customer, 1, 'CustomerSeen', {})]],
    ]);
    const { store, readsOf } = fakeStore(streams);
    const mine = integration('mine');
    let known = { revision: 1, routes: { sms: 'tk_other' } };
    const knownCustomer = (customerId: string) =>
      ({
        stream: customerStream(customerId),
        revision: known.revision,
        state: { state: { customerId, routes: known.routes } },
      }) as unknown as Loaded<CustomerHistory>;
    const scope = createScopeCheck(store, [mine, integration('other')], { decided: { knownCustomer } });

    expect((await scope.check(mine, [message('m-1', 'cus_1')]))[0]).toMatchObject({ path: 'data.channel' });
    expect(readsOf().filter((read) => read.stream === customer)).toEqual([]);
    // The ingest's state is one event behind the store: the customer is read (and routes nowhere).
    known = { revision: 0, routes: { sms: 'tk_other' } };
    expect(await scope.check(mine, [message('m-2', 'cus_1')])).toEqual([null]);
    expect(readsOf().filter((read) => read.stream === customer)).toEqual([{ stream: customer, fromVersion: 0 }]);
  });

  it("takes a ticket's owner from the ingest's state when the ticket names its integration, and reads it when not", async () => {
    const streams = new Map([
      [ticketStream('tk_named'), [opened('tk_named', 'other', 'cus_1')]],
      [
        ticketStream('tk_unnamed'),
        [
          {
            ...recorded(ticketStream('tk_unnamed'), 0, 'TicketCreated', {
              integration: null,
              customer: { id: 'cus_1' },
            }),
            metadata: { source: 'https://other.example/sms' },
          },
        ],
      ],
    ]);
    const { store, readsOf } = fakeStore(streams);
    const mine = integration('mine');
    const knownTicket = (ticketId: string) =>
      ({
        stream: ticketStream(ticketId),
        revision: 0,
        state: { ticketId, integration: ticketId === 'tk_named' ? 'other' : null, customer: { id: 'cus_1' } },
      }) as unknown as Loaded<TicketState | null>;
    const scope = createScopeCheck(store, [mine, integration('other')], { decided: { knownTicket } });

    const refusals = await scope.check(mine, [close('c-1', 'tk_named'), close('c-2', 'tk_unnamed')]);
    expect(refusals.map((reason) => reason?.message)).toEqual([
      expect.stringContaining('belongs to integration "other"'),
      expect.stringContaining('belongs to integration "other"'),
    ]);
    expect(readsOf()).toEqual([{ stream: ticketStream('tk_unnamed'), fromVersion: 0 }]);
  });

  it('lets a message through after one read when its route names a ticket the store has no opening of', async () => {
    const customer = customerStream('cus_1');
    const streams = new Map<string, RecordedEvent[]>([
      [customer, [recorded(customer, 0, 'CustomerRouted', { channel: 'sms', ticketId: 'tk_gone' })]],
    ]);
    const { store, readsOf } = fakeStore(streams);
    const mine = integration('mine');
    const scope = createScopeCheck(store, [mine]);

    expect(await scope.check(mine, [message('m-1', 'cus_1'), message('m-2', 'cus_1')])).toEqual([null, null]);
    expect(readsOf()).toEqual([
      { stream: customer, fromVersion: 0 },
      { stream: ticketStream('tk_gone'), fromVersion: 0 },
    ]);
  });
});

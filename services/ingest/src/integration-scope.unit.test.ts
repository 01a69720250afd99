import { describe, expect, it } from 'vitest';
import { customerStream, ticketStream, type InboundEvent } from '@tickets/domain';
import type { EventStore, ReadStreamOptions, RecordedEvent } from '@tickets/event-store';
import type { Integration } from '@tickets/platform';
import { createScopeCheck } from './integration-scope.js';

const integration = (name: string): Integration =>
  ({ name, sources: [`https://${name}.example/`], secrets: ['whsec_x'] }) as unknown as Integration;

const recorded = (stream: string, version: number, type: string, data: unknown): RecordedEvent =>
  ({ stream, version, position: version, id: `${stream}-${version}`, type, data, metadata: {} }) as RecordedEvent;

/** A store of a few streams that only reads (all the scope check does), counting its reads. */
function fakeStore(streams: Map<string, RecordedEvent[]>) {
  let reads = 0;
  const store = {
    async readStream(stream: string, options: ReadStreamOptions = {}) {
      reads++;
      const from = options.fromVersion ?? 0;
      return (streams.get(stream) ?? []).filter((event) => event.version >= from).slice(0, options.maxCount);
    },
    async streamVersions() {
      throw new Error('not expected: routes read the events after the last one read');
    },
  } as unknown as EventStore;
  return { store, reads: () => reads };
}

const message = (id: string, customerId: string): InboundEvent =>
  ({
    type: 'message.received',
    source: 'https://mine.example/',
    id,
    subject: customerId,
    data: { channel: 'sms', customer: { id: customerId }, body: 'hi' },
  }) as unknown as InboundEvent;

describe('the integration scope check', () => {
  it("sees a route to another integration's ticket recorded after it last read the customer, with one read per check", async () => {
    const streams = new Map<string, RecordedEvent[]>([
      [
        ticketStream('tk_other'),
        [recorded(ticketStream('tk_other'), 0, 'TicketCreated', { integration: 'other', customer: { id: 'cus_1' } })],
      ],
    ]);
    const { store, reads } = fakeStore(streams);
    const mine = integration('mine');
    const scope = createScopeCheck(store, [mine, integration('other')]);

    expect(await scope.check(mine, [message('m-1', 'cus_1')])).toEqual([null]);
    expect(reads()).toBe(1);
    streams.set(customerStream('cus_1'), [
      recorded(customerStream('cus_1'), 0, 'CustomerRouted', { channel: 'sms', ticketId: 'tk_other' }),
    ]);
    const [refused] = await scope.check(mine, [message('m-2', 'cus_1')]);
    expect(refused).toMatchObject({ path: 'data.channel', code: 'out_of_scope' });
    // Unchanged since: one read of the customer's stream, which finds nothing new (the owner is cached).
    const before = reads();
    expect((await scope.check(mine, [message('m-3', 'cus_1')]))[0]).toMatchObject({ path: 'data.channel' });
    expect(reads() - before).toBe(1);
  });
});

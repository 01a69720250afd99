import type { RecordedEvent as ClientRecordedEvent } from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import {
  CHAIN_HASH_PROPERTY,
  EVENT_ID_METADATA_KEY,
  eventTexts,
  LEGACY_EVENT_ID_METADATA_KEY,
  METADATA_PROPERTY,
  storedEventId,
  toEventData as toEventDataWithHash,
  toRecordedEvent,
} from './event-mapping.js';
import type { NewEvent } from '../event-store.port.js';
import { eventUuid } from './event-uuid.js';

const stored = (fields: Partial<ClientRecordedEvent> & Record<string, unknown>): ClientRecordedEvent =>
  ({
    streamId: 'ticket-1',
    id: '00000000-0000-5000-8000-000000000001',
    isJson: true,
    revision: 3n,
    type: 'TicketOpened',
    created: new Date(0),
    data: {},
    metadata: undefined,
    position: { commit: 700n, prepare: 700n },
    ...fields,
  }) as ClientRecordedEvent;

const HASH = 'f'.repeat(64);
const toEventData = (stream: string, event: NewEvent) => toEventDataWithHash(event, eventTexts(stream, event), HASH);

describe('event mapping', () => {
  it('sends JSON with a UUID derived from our id, our id and our metadata as string properties', () => {
    const data = toEventData('ticket-1', {
      id: 'in-1:0',
      type: 'TicketOpened',
      data: { subject: 'x' },
      metadata: { correlationId: 'in-1', hops: 2 },
    });
    expect(data).toEqual({
      id: eventUuid('in-1:0'),
      contentType: 'application/json',
      type: 'TicketOpened',
      data: { subject: 'x' },
      metadata: {
        [EVENT_ID_METADATA_KEY]: 'in-1:0',
        [METADATA_PROPERTY]: '{"correlationId":"in-1","hops":2}',
        [CHAIN_HASH_PROPERTY]: HASH,
      },
    });
    // The multi-stream append takes string property values only.
    expect(Object.values(data.metadata as object).every((value) => typeof value === 'string')).toBe(true);
    expect(toEventData('ticket-1', { id: 'a', type: 'T', data: null }).metadata).toEqual({
      [EVENT_ID_METADATA_KEY]: 'a',
      [METADATA_PROPERTY]: '{}',
      [CHAIN_HASH_PROPERTY]: HASH,
    });
  });

  it('refuses what it cannot send faithfully, as INVALID_ARGUMENT', () => {
    const invalid = expect.objectContaining({ code: 'EVENT_STORE.INVALID_ARGUMENT' });
    expect(() => toEventData('ticket-1', { id: 'a', type: 'T', data: { n: 1n } as never })).toThrow(invalid);
    expect(() => toEventData('ticket-1', { id: 'a', type: 'T', data: {}, metadata: { n: 1n } as never })).toThrow(
      invalid,
    );
    expect(() => toEventData('ticket-1', { id: 'a', type: '$metadata', data: {} })).toThrow(invalid);
  });

  it('restores our id and metadata as the server reads them back, with its $schema keys left out', () => {
    const event = stored({
      data: { subject: 'x' },
      metadata: {
        [EVENT_ID_METADATA_KEY]: 'in-1:0',
        [METADATA_PROPERTY]: '{"correlationId":"in-1"}',
        '$schema.name': 'TicketOpened',
        '$schema.format': 'Json',
      },
    });
    expect(toRecordedEvent(event, 'ticket-1')).toEqual({
      id: 'in-1:0',
      type: 'TicketOpened',
      data: { subject: 'x' },
      metadata: { correlationId: 'in-1' },
      stream: 'ticket-1',
      version: 3,
      position: 1400,
    });
    expect(storedEventId(event)).toBe('in-1:0');
  });

  it('reads events earlier versions wrote with single-stream appends: JSON metadata holding our id', () => {
    const legacy = stored({ metadata: { correlationId: 'in-1', [LEGACY_EVENT_ID_METADATA_KEY]: 'in-1:0' } });
    expect(toRecordedEvent(legacy, 'ticket-1')).toMatchObject({ id: 'in-1:0', metadata: { correlationId: 'in-1' } });
  });

  it('reads events written by others: their UUID as id, metadata only when it is an object, binary data as base64', () => {
    const foreign = stored({ metadata: [1, 2] as never, isJson: false, data: new Uint8Array([104, 105]) as never });
    expect(toRecordedEvent(foreign, 'ticket-1')).toMatchObject({ id: foreign.id, metadata: {}, data: 'aGk=' });
    expect(storedEventId(stored({ metadata: { [EVENT_ID_METADATA_KEY]: 42 } }))).toBe(foreign.id);
  });

  it('says which server version it needs when stream reads carry no positions', () => {
    expect(() => toRecordedEvent(stored({ position: undefined }), 'ticket-1')).toThrow(/26\.1/);
  });
});

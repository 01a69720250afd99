import { describe, expect, it } from 'vitest';
import { EVENT_UUID_NAMESPACE, eventUuid, nameBasedUuid } from './event-uuid.js';

const VERSION_5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('eventUuid', () => {
  it('follows RFC 9562 version 5: the DNS namespace example gives the published UUID', () => {
    // uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org') in Python's documentation.
    expect(nameBasedUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe(
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
  });

  it('derives the same UUIDs as an independent implementation (Python uuid5) in our namespace', () => {
    expect(EVENT_UUID_NAMESPACE).toBe('145077ba-0dee-43cf-b35f-4b14d29f8c39');
    expect(eventUuid('in-1:0')).toBe('71d57033-6fe9-5d96-9f52-2c20158ef39e');
    expect(eventUuid('ticket-1/opened')).toBe('31b5e909-f6e0-56a5-a676-ddf7cb37a666');
    expect(eventUuid('é✓ unicode')).toBe('9626354b-c5fc-535a-a185-a32455d1b75d');
  });

  it('is deterministic, distinct per id, and always a valid version 5 UUID', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `inbound-sms:${i}:${i % 7}`);
    const uuids = ids.map(eventUuid);
    expect(ids.map(eventUuid)).toEqual(uuids);
    expect(new Set(uuids).size).toBe(ids.length);
    for (const uuid of uuids) expect(uuid).toMatch(VERSION_5);
    expect(eventUuid('')).toMatch(VERSION_5);
  });
});

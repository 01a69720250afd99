import { describe, expect, it } from 'vitest';
import { customerAsOf } from './customer-as-of.js';
import type { CustomerEvent } from './customer-events.js';
import { customerAt, emptyCustomerHistory, extendCustomerHistory } from './customer-history.js';

const ref = { customerId: 'cus_1', channel: 'sms' as const, ticketId: 'tk_1' };
const routed = (at: string, ticketId = 'tk_1'): CustomerEvent => ({
  type: 'CustomerRouted',
  data: { ...ref, at, ticketId },
});
const optedOut = (at: string): CustomerEvent => ({
  type: 'CustomerOptedOut',
  data: { ...ref, at, messageId: `m-${at}` },
});
const optedIn = (at: string): CustomerEvent => ({
  type: 'CustomerOptedIn',
  data: { ...ref, at, messageId: `m-${at}` },
});
const autoReply = (at: string): CustomerEvent => ({
  type: 'AutoReplyRecorded',
  data: { ...ref, at, commandId: `cmd-${at}` },
});

// Stream order is not time order: a late delivery was recorded after later events.
const EVENTS: CustomerEvent[] = [
  routed('2026-03-01T08:00:00.000Z'),
  autoReply('2026-03-01T08:00:00.000Z'),
  optedOut('2026-03-01T10:00:00.000Z'),
  autoReply('2026-03-01T09:00:00.000Z'),
  optedIn('2026-03-01T12:00:00.000Z'),
  routed('2026-03-02T08:00:00.000Z', 'tk_2'),
];

describe('customer history: the customer as a rule decision at an event time sees them', () => {
  const history = extendCustomerHistory(emptyCustomerHistory('cus_1'), EVENTS);

  it.each([
    '2026-03-01T07:59:59.999Z',
    '2026-03-01T08:00:00.000Z',
    '2026-03-01T09:30:00.000Z',
    '2026-03-01T10:00:00.000Z',
    '2026-03-01T11:00:00.000Z',
    '2026-03-01T12:00:00.000Z',
    '2026-03-05T00:00:00.000Z',
  ])('at %s: consent and last auto-reply exactly as folding the whole stream up to that time gives', (at) => {
    const expected = customerAsOf('cus_1', EVENTS, at);
    const seen = customerAt(history, at);
    expect({ optedOutAt: seen.optedOutAt, lastAutoReplyAt: seen.lastAutoReplyAt }).toEqual({
      optedOutAt: expected.optedOutAt,
      lastAutoReplyAt: expected.lastAutoReplyAt,
    });
  });

  it('keeps the routes as they are now, whatever the time asked', () => {
    expect(customerAt(history, '2026-03-01T09:30:00.000Z').routes).toEqual({ sms: 'tk_2' });
  });

  it('keeps only the events a later-time question needs: consent and auto-replies, not routings', () => {
    expect(history.timed.map((e) => e.type)).toEqual([
      'AutoReplyRecorded',
      'CustomerOptedOut',
      'AutoReplyRecorded',
      'CustomerOptedIn',
    ]);
    expect(history.latestMs).toBe(Date.parse('2026-03-01T12:00:00.000Z'));
  });

  it('is never changed by extending it: a decision keeps the history it read until its append commits', () => {
    const before = structuredClone(history);
    extendCustomerHistory(history, [optedOut('2026-03-06T00:00:00.000Z')]);
    expect(history).toEqual(before);
  });
});

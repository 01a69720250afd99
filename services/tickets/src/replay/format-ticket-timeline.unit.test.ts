import type { TimelineEntry } from '@tickets/streams';
import { describe, expect, it } from 'vitest';
import { TicketTimelineText, formatTicketTimeline } from './format-ticket-timeline.js';

const T = 'tk_1';
const at = (i: number): string => new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();

function entry(version: number, type: TimelineEntry['type'], event: Record<string, unknown>): TimelineEntry {
  return {
    position: version + 10,
    version,
    eventId: `ev_${version}`,
    type,
    time: at(version),
    correlationId: `sms-${version}`,
    causationId: null,
    source: null,
    config: null,
    event: { ticketId: T, at: at(version), ...event } as unknown as TimelineEntry['event'],
    changes: version === 0 ? [{ field: 'status', before: null, after: 'open' }] : [],
    state: null,
  };
}

/** A ticket, then a message and the rule decision it triggered, again and again. */
const entries: TimelineEntry[] = [
  entry(0, 'TicketCreated', {
    channel: 'sms',
    integration: 'twilio',
    customer: { id: 'cus_1', name: 'Ann' },
    subject: 'SMS from Ann',
    origin: 'customer',
    followUpOf: null,
  }),
  ...Array.from({ length: 9 }, (_, i) => [
    entry(2 * i + 1, 'MessageReceived', {
      body: `message ${i}`,
      intent: 'other',
      routing: { kind: 'open_ticket', reason: 'the ticket is open' },
    }),
    entry(2 * i + 2, 'RulesEvaluated', {
      trigger: { type: 'message.received', eventId: `ev_${2 * i + 1}`, version: 2 * i + 1 },
      evaluations: [],
      commands: [],
    }),
  ]).flat(),
];

describe('the text of a ticket timeline, made a page at a time', () => {
  it('is the same text whatever the pages, empty ones included', () => {
    const whole = formatTicketTimeline({ ticketId: T, at: null, entries, state: null });
    for (const size of [1, 2, 3, 7, 19]) {
      const text = new TicketTimelineText();
      text.add([]);
      for (let start = 0; start < entries.length; start += size) {
        text.add(entries.slice(start, start + size));
        text.add([]);
      }
      expect([...text.pieces({ ticketId: T, at: null, state: null })].join('')).toBe(whole);
    }
    expect(whole).toMatch(/^ticket tk_1 — 19 events\n\n#0 /);
  });

  it("names each rule decision's trigger by its type, from an earlier page too", () => {
    const text = new TicketTimelineText();
    text.add(entries.slice(0, 2));
    text.add(entries.slice(2, 3));
    expect([...text.pieces({ ticketId: T, at: null, state: null })].join('')).toContain(
      'rules on message.received (ev_1, #1 MessageReceived):',
    );
  });
});

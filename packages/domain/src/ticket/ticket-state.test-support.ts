import type { TicketState } from './ticket-state.js';

/** An open Postscript SMS ticket of Élodie Dupont, reopened once; tests override what they are about. */
export function aTicketState(overrides: Partial<TicketState> = {}): TicketState {
  return {
    ticketId: 'tk_1',
    status: 'open',
    channel: 'sms',
    integration: 'postscript',
    customer: { id: 'cus_1', name: 'Élodie Dupont', phone: '+33600000001', email: 'elodie@example.com' },
    subject: 'SMS from Élodie Dupont',
    tags: [],
    team: null,
    agent: null,
    createdAt: '2025-03-01T09:00:00.000Z',
    closedAt: null,
    reopenDeadline: null,
    reopenWindow: null,
    reopenCount: 1,
    followUpOf: null,
    messageCount: 3,
    lastMessageAt: '2025-03-01T10:00:00.000Z',
    ruleFirings: {},
    timers: [],
    version: 5,
    ...overrides,
  };
}

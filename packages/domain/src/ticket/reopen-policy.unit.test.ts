import { describe, expect, it } from 'vitest';
import {
  closeFacts,
  DEFAULT_REOPEN_POLICY,
  messageOnTicket,
  ReopenPolicy,
  ReopenWindow,
  reopenWindowFor,
} from './reopen-policy.js';
import { aTicketState } from './ticket-state.test-support.js';

describe('reopen policy: which window applies to a ticket', () => {
  const policy = ReopenPolicy.parse({
    default: '7d',
    channels: { chat: '3d', email: '2d' },
    integrations: { postscript: '24h' },
  });

  it('the integration wins over the channel and the default, and is named as the source', () => {
    expect(reopenWindowFor(policy, { channel: 'chat', integration: 'postscript' })).toEqual({
      duration: '24h',
      ms: 86_400_000,
      source: 'integration',
      key: 'postscript',
    });
  });

  it('without a window for its integration, the channel decides', () => {
    expect(reopenWindowFor(policy, { channel: 'chat', integration: 'intercom' })).toEqual({
      duration: '3d',
      ms: 259_200_000,
      source: 'channel',
      key: 'chat',
    });
    expect(reopenWindowFor(policy, { channel: 'email', integration: null })).toMatchObject({
      duration: '2d',
      source: 'channel',
      key: 'email',
    });
  });

  it('otherwise the default applies, with no key', () => {
    expect(reopenWindowFor(policy, { channel: 'sms', integration: null })).toEqual({
      duration: '7d',
      ms: 604_800_000,
      source: 'default',
      key: null,
    });
  });

  it('a ticket without an integration never takes an integration window, even one named "null"', () => {
    const odd = ReopenPolicy.parse({ default: '7d', integrations: { null: '1h' } });
    expect(reopenWindowFor(odd, { channel: 'sms', integration: null })).toMatchObject({ source: 'default' });
  });

  it('a policy with only a default applies it everywhere', () => {
    const only = ReopenPolicy.parse({ default: '12h' });
    expect(reopenWindowFor(only, { channel: 'chat', integration: 'postscript' })).toMatchObject({
      duration: '12h',
      source: 'default',
      key: null,
    });
  });

  it('the shipped policy: 24 h for Postscript, 3 days on chat, 7 days otherwise', () => {
    expect(ReopenPolicy.parse(DEFAULT_REOPEN_POLICY)).toEqual(DEFAULT_REOPEN_POLICY);
    expect(reopenWindowFor(DEFAULT_REOPEN_POLICY, { channel: 'sms', integration: 'postscript' }).ms).toBe(86_400_000);
    expect(reopenWindowFor(DEFAULT_REOPEN_POLICY, { channel: 'chat', integration: null }).ms).toBe(259_200_000);
    expect(reopenWindowFor(DEFAULT_REOPEN_POLICY, { channel: 'whatsapp', integration: null }).ms).toBe(604_800_000);
  });

  it('a policy that bypassed its schema with a malformed duration is a programming error, named in the message', () => {
    expect(() => reopenWindowFor({ default: 'a week' }, { channel: 'sms', integration: null })).toThrow(
      'invalid reopen window duration "a week"',
    );
  });
});

describe('reopen policy file: what is accepted', () => {
  it('a misspelt key is refused rather than silently ignored', () => {
    expect(ReopenPolicy.safeParse({ default: '7d', chanels: { chat: '3d' } }).success).toBe(false);
  });

  it('an integration needs a name: an empty key is refused, a one-letter one is fine', () => {
    expect(ReopenPolicy.safeParse({ default: '7d', integrations: { '': '1h' } }).success).toBe(false);
    expect(ReopenPolicy.safeParse({ default: '7d', integrations: { x: '1h', postscript: '24h' } }).success).toBe(true);
  });

  it('every window must be a positive duration', () => {
    expect(ReopenPolicy.safeParse({ default: '0h' }).success).toBe(false);
    expect(ReopenPolicy.safeParse({ default: '7d', channels: { sms: 'soon' } }).success).toBe(false);
    expect(ReopenPolicy.safeParse({ default: '7d', integrations: { postscript: '-1h' } }).success).toBe(false);
  });

  it('channels must be known channels', () => {
    expect(ReopenPolicy.safeParse({ default: '7d', channels: { fax: '1d' } }).success).toBe(false);
  });
});

describe('recorded reopen window: what a close event may carry', () => {
  const valid = { duration: '24h', ms: 86_400_000, source: 'integration', key: 'postscript' };

  it('a window from each source is accepted, the default one without a key', () => {
    expect(ReopenWindow.parse(valid)).toEqual(valid);
    expect(ReopenWindow.parse({ ...valid, source: 'channel', key: 'chat' })).toMatchObject({ source: 'channel' });
    expect(ReopenWindow.parse({ ...valid, source: 'default', key: null })).toMatchObject({
      source: 'default',
      key: null,
    });
  });

  it('a window of no time, of a fraction of a millisecond, or from an unknown source is refused', () => {
    expect(ReopenWindow.safeParse({ ...valid, ms: 0 }).success).toBe(false);
    expect(ReopenWindow.safeParse({ ...valid, ms: 1.5 }).success).toBe(false);
    expect(ReopenWindow.safeParse({ ...valid, source: 'guess' }).success).toBe(false);
    expect(ReopenWindow.safeParse({ ...valid, source: '' }).success).toBe(false);
  });

  it('every field is required', () => {
    for (const field of Object.keys(valid)) {
      const { [field]: _, ...rest } = valid as Record<string, unknown>;
      expect(ReopenWindow.safeParse(rest).success, field).toBe(false);
    }
    expect(ReopenWindow.safeParse({ ...valid, duration: 24 }).success).toBe(false);
    expect(ReopenWindow.safeParse({ ...valid, key: 7 }).success).toBe(false);
  });
});

describe('the reopen rule: where a customer message on an existing ticket goes', () => {
  const CLOSED_AT = '2026-03-02T09:00:00.000Z';
  const DEADLINE = '2026-03-03T09:00:00.000Z';
  const WINDOW = { duration: '24h', ms: 86_400_000, source: 'integration', key: 'postscript' } as const;
  const closed = aTicketState({
    ticketId: 'tk_9',
    status: 'closed',
    closedAt: CLOSED_AT,
    reopenDeadline: DEADLINE,
    reopenWindow: WINDOW,
  });

  it('an open ticket takes the message, whatever the time', () => {
    expect(messageOnTicket(aTicketState({ ticketId: 'tk_9' }), '2030-01-01T00:00:00.000Z')).toEqual({
      kind: 'open_ticket',
      ticketId: 'tk_9',
    });
  });

  it('a closed ticket reopens for a message up to the last millisecond before its deadline', () => {
    expect(messageOnTicket(closed, '2026-03-03T08:59:59.999Z')).toEqual({
      kind: 'reopen',
      ticketId: 'tk_9',
      closedAt: CLOSED_AT,
      reopenDeadline: DEADLINE,
      window: WINDOW,
    });
  });

  it('a message written before the close, delivered late, reopens too', () => {
    expect(messageOnTicket(closed, '2026-03-02T08:00:00.000Z')).toMatchObject({ kind: 'reopen' });
  });

  it('a message exactly at the deadline, or later, is a follow-up of the closed ticket', () => {
    const followUp = {
      kind: 'follow_up',
      ticketId: 'tk_9',
      closedAt: CLOSED_AT,
      reopenDeadline: DEADLINE,
      window: WINDOW,
    };
    expect(messageOnTicket(closed, DEADLINE)).toEqual(followUp);
    expect(messageOnTicket(closed, '2026-04-01T00:00:00.000Z')).toEqual(followUp);
  });

  it('the deadline recorded at close decides, not the window the policy would give today', () => {
    const recorded = { ...closed, reopenDeadline: '2026-03-02T10:00:00.000Z' };
    expect(messageOnTicket(recorded, '2026-03-02T11:00:00.000Z')).toMatchObject({ kind: 'follow_up' });
  });

  it.each([
    ['closedAt', { closedAt: null }],
    ['reopenDeadline', { reopenDeadline: null }],
    ['reopenWindow', { reopenWindow: null }],
  ])('a closed state without its %s was not folded from events: a programming error, not a guess', (_, missing) => {
    expect(() => messageOnTicket({ ...closed, ...missing }, CLOSED_AT)).toThrow(
      'closed ticket tk_9 has no close time, reopen deadline or window',
    );
  });
});

describe('closing a ticket fixes its window and deadline', () => {
  it('the deadline is the close time plus the window that applies to the ticket', () => {
    expect(
      closeFacts(DEFAULT_REOPEN_POLICY, { channel: 'chat', integration: null }, '2026-03-02T09:00:00.000Z'),
    ).toEqual({
      window: { duration: '3d', ms: 259_200_000, source: 'channel', key: 'chat' },
      reopenDeadline: '2026-03-05T09:00:00.000Z',
    });
  });
});

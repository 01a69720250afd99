import { describe, expect, it } from 'vitest';
import type { Command, TicketState } from '@tickets/domain';
import { compareBounce, type BounceOutcome, type BounceReference } from '../src/bounce-compare.js';

// The bounce test's verdict on its own: what counts as equal to simulate, what is a tolerated
// duplicate and what is a failure.

const ticket = (id: string, status: 'open' | 'closed' = 'open'): TicketState =>
  ({ ticketId: id, status, messageCount: 1 }) as unknown as TicketState;
const command = (id: string, body = 'hello'): Command =>
  ({
    id,
    type: 'ticket.note.add',
    subject: 'tk_1',
    data: { ruleId: 'r', causationId: 'ev', correlationId: 'sms-1', body },
  }) as unknown as Command;

const reference: BounceReference = {
  tickets: [ticket('tk_1'), ticket('tk_2', 'closed')],
  commands: [command('cmd_a'), command('cmd_b')],
  accepted: 3,
  rejected: 0,
};
const same: BounceOutcome = {
  tickets: [ticket('tk_2', 'closed'), ticket('tk_1')],
  commands: [
    { id: 'cmd_b', value: command('cmd_b') },
    { id: 'cmd_a', value: command('cmd_a') },
  ],
  inboundStored: 3,
  deadLetters: 0,
};

describe('compareBounce', () => {
  it('finds the pipeline equal to simulate when states, commands (in any order) and stored events match', () => {
    const result = compareBounce(reference, same);
    expect(result.problems).toEqual([]);
    expect(result.equal).toBe(true);
    expect(result.tickets.equal).toBe(2);
  });

  it('counts a redelivered command with identical content as a duplicate, not a difference', () => {
    const result = compareBounce(reference, {
      ...same,
      commands: [...same.commands, { id: 'cmd_a', value: command('cmd_a') }],
    });
    expect(result.equal).toBe(true);
    expect(result.commands.duplicates).toBe(1);
    expect(result.commands.received).toBe(3);
  });

  it('fails on a repeat of an id with other content', () => {
    const result = compareBounce(reference, {
      ...same,
      commands: [...same.commands, { id: 'cmd_a', value: command('cmd_a', 'other') }],
    });
    expect(result.equal).toBe(false);
    expect(result.commands.different).toEqual(['cmd_a']);
  });

  it('fails on a command missing, one simulate never made, or one with other content', () => {
    const result = compareBounce(reference, {
      ...same,
      commands: [
        { id: 'cmd_a', value: command('cmd_a', 'changed') },
        { id: 'cmd_c', value: command('cmd_c') },
      ],
    });
    expect(result.equal).toBe(false);
    expect(result.commands).toMatchObject({ missing: ['cmd_b'], extra: ['cmd_c'], different: ['cmd_a'] });
  });

  it('fails on a ticket in another state, missing or extra', () => {
    const result = compareBounce(reference, { ...same, tickets: [ticket('tk_1', 'closed'), ticket('tk_3')] });
    expect(result.equal).toBe(false);
    expect(result.tickets).toMatchObject({ equal: 0, different: ['tk_1'], missing: ['tk_2'], extra: ['tk_3'] });
  });

  it('fails when an accepted event is not stored (lost) or dead letters differ from simulate’s rejections', () => {
    const result = compareBounce(reference, { ...same, inboundStored: 2, deadLetters: 1 });
    expect(result.equal).toBe(false);
    expect(result.events.lost).toBe(1);
    expect(result.problems).toEqual([
      'inbound events stored 2, simulate accepted 3',
      'dead letters 1, simulate rejected 0',
    ]);
  });
});

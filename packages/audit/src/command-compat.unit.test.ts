import type { Command } from '@tickets/domain';
import { describe, expect, it } from 'vitest';
import { CommandDiff } from './command-diff.js';
import { rulesEvaluatedAsRecordedThen } from './command-compat.js';

const before: Command = {
  specversion: '1.0',
  id: 'cmd_1',
  source: 'urn:tickets:rule-reactor',
  subject: 'tk_1',
  time: '2026-03-05T09:30:00.000Z',
  datacontenttype: 'application/json',
  type: 'ticket.close',
  data: { ruleId: 'autoclose-72h', causationId: 'ev_1', correlationId: 'tm_1' },
};
const timer = {
  timerId: 'tm_2',
  ruleId: 'window-ended',
  kind: 'reopen_deadline',
  dueAt: '2026-03-06T09:30:00.000Z',
  setAt: '2026-03-05T09:30:00.000Z',
  setBy: 'ev_2',
};
const today: Command = { ...before, data: { ...before.data, ticket: { timers: [timer], sla: [] } } };

describe('commands recorded before they carried the ticket (Kafka contract < 1.3.0)', () => {
  it('what-if counts the same decision made again today as unchanged, not as a changed command', () => {
    const diff = new CommandDiff();
    diff.recorded({ seq: 0, command: before });
    diff.redecided({ seq: 0, command: today });
    expect(diff.result()).toMatchObject({ changed: [], unchanged: 1 });
  });

  it('what-if compares actions: another list of pending timers alone is no change, another tag is', () => {
    const diff = new CommandDiff();
    diff.recorded({ seq: 0, command: today });
    diff.redecided({ seq: 0, command: { ...today, data: { ...today.data, ticket: { timers: [], sla: [] } } } });
    expect(diff.result()).toMatchObject({ changed: [], unchanged: 1 });
    const tagged = new CommandDiff();
    const tag: Command = { ...before, type: 'ticket.tag.add', data: { ...before.data, tag: 'a' } };
    tagged.recorded({ seq: 0, command: tag });
    tagged.redecided({ seq: 0, command: { ...tag, data: { ...tag.data, tag: 'b' } } });
    expect(tagged.result().changed).toHaveLength(1);
  });

  it('verify compares a recorded rule decision without the field it never had, and with it when it has it', () => {
    const made = { ticketId: 'tk_1', commands: [today, today] };
    expect(rulesEvaluatedAsRecordedThen({ ticketId: 'tk_1', commands: [before, today] }, made)).toEqual({
      ticketId: 'tk_1',
      commands: [before, today],
    });
    // Not a rule decision's data: left as made.
    expect(rulesEvaluatedAsRecordedThen({ ticketId: 'tk_1' }, made)).toBe(made);
  });
});

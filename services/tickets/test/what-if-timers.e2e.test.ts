import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WhatIfReport } from '@tickets/audit';
import { tempDir } from '@tickets/testing';
import { json } from './cli-json.js';
import { REPO, runTickets as tickets } from './cli-runner.js';

// what-if with changed timer durations and calendars (docs/timers.md): the report lists the tickets
// whose outcome changes, each with what changed, on the worked example examples/timers imported
// with the clock run to 2026-03-07 (Marie auto-closed at 72 h; Paul answered in time).

const EVENTS = join(REPO, 'examples/timers/events.ndjson');
const RULES = join(REPO, 'examples/timers/rules.json');
const UNTIL = '2026-03-07T00:00:00Z';
const MARIE = 'tk_2cqfsyzby3r4leudb4q62qlp2e';

interface RulesJson {
  calendars?: Record<string, unknown>;
  rules: { id: string; when: unknown }[];
}

async function imported(dir: string): Promise<string> {
  const store = `sqlite:${join(dir, 'tickets.db')}`;
  const run = await tickets(['import', '--events', EVENTS, '--rules', RULES, '--store', store, '--until', UNTIL]);
  expect(run.code).toBe(0);
  return store;
}

function changedRules(dir: string, change: (file: RulesJson) => void): string {
  const file = JSON.parse(readFileSync(RULES, 'utf8')) as RulesJson;
  change(file);
  const path = join(dir, `rules-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(file));
  return path;
}

describe('what-if with changed timer durations and calendars lists the tickets whose outcome changes', () => {
  it('close after 96 h, not 72 h: Marie’s close and tag move a day, her window end passes the clock; not Paul', async () => {
    using dir = tempDir();
    const store = await imported(dir.path);
    const rules = changedRules(dir.path, (file) => {
      const rule = file.rules.find((r) => r.id === 'waiting-autoclose-72h')!;
      rule.when = { ...(rule.when as object), after: '96h' };
    });
    const report = json<WhatIfReport>(
      await tickets(['what-if', '--store', store, '--rules', rules, '--until', UNTIL, '--json']),
    );
    expect(
      report.tickets.map((t) => [
        t.ticketId,
        t.changes.map((c) => [c.change, c.type, c.ruleId, c.recordedTime, c.whatIfTime]),
      ]),
    ).toEqual([
      [
        MARIE,
        [
          ['changed', 'ticket.close', 'waiting-autoclose-72h', '2026-03-05T08:30:00.000Z', '2026-03-06T08:30:00.000Z'],
          [
            'changed',
            'ticket.tag.add',
            'waiting-autoclose-72h',
            '2026-03-05T08:30:00.000Z',
            '2026-03-06T08:30:00.000Z',
          ],
          ['removed', 'ticket.tag.add', 'reopen-window-ended', '2026-03-06T08:30:00.000Z', null],
        ],
      ],
    ]);
    const text = await tickets(['what-if', '--store', store, '--rules', rules, '--until', UNTIL]);
    expect(text.stdout).toContain('tickets whose outcome changes (1)');
    expect(text.stdout).toContain(
      'ticket.close (waiting-autoclose-72h): 2026-03-05T08:30:00.000Z → 2026-03-06T08:30:00.000Z',
    );
  });

  it('the same 72 h in a business-hours calendar: the close falls past the clock, the report says which ticket', async () => {
    using dir = tempDir();
    const store = await imported(dir.path);
    const rules = changedRules(dir.path, (file) => {
      file.calendars = {
        support: {
          zone: 'Europe/Paris',
          hours: {
            mon: ['09:00-18:00'],
            tue: ['09:00-18:00'],
            wed: ['09:00-18:00'],
            thu: ['09:00-18:00'],
            fri: ['09:00-18:00'],
          },
        },
      };
      const rule = file.rules.find((r) => r.id === 'waiting-autoclose-72h')!;
      rule.when = { ...(rule.when as object), calendar: 'support' };
    });
    const report = json<WhatIfReport>(
      await tickets(['what-if', '--store', store, '--rules', rules, '--until', UNTIL, '--json']),
    );
    // 72 business hours from Monday 09:30 Paris run past the clock: the close and what follows it are gone.
    expect(report.tickets.map((t) => t.ticketId)).toEqual([MARIE]);
    expect(report.tickets[0]!.changes.map((c) => [c.change, c.type, c.ruleId])).toEqual([
      ['removed', 'ticket.close', 'waiting-autoclose-72h'],
      ['removed', 'ticket.tag.add', 'waiting-autoclose-72h'],
      ['removed', 'ticket.tag.add', 'reopen-window-ended'],
    ]);
  });

  it('unchanged rules: no ticket listed', async () => {
    using dir = tempDir();
    const store = await imported(dir.path);
    const report = json<WhatIfReport>(
      await tickets(['what-if', '--store', store, '--rules', RULES, '--until', UNTIL, '--json']),
    );
    expect(report.tickets).toEqual([]);
  });
});

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command, TicketState } from '@tickets/domain';
import { tempDir, waitFor } from '@tickets/testing';
import { startServe } from './serve-process.js';

// `tickets serve` runs the timer scheduler: when the wall clock passes a timer's due time, the timer
// fires through the ingest's decision path with no further event, at event time = its due time.

const REPO = resolve(import.meta.dirname, '../../..');
const RULES = join(REPO, 'examples/timers/rules.json');
const EVENTS = join(REPO, 'examples/timers/events.ndjson');
const BIN = join(REPO, 'services/tickets/bin/tickets.mjs');

/** The commands file once it holds `count` commands. */
const commandsIn = (file: string, count: number): Promise<Command[]> =>
  waitFor(
    () => {
      if (!existsSync(file)) return undefined;
      const lines = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line !== '');
      return lines.length >= count ? lines.map((line) => JSON.parse(line) as Command) : undefined;
    },
    { timeoutMs: 20_000, what: `${count} commands in ${file}` },
  );

describe('tickets serve fires due timers when the wall clock passes them', () => {
  it('fires the nudge, the auto-close and the reopen window’s end of a conversation that went quiet, with no later event', async () => {
    using dir = tempDir();
    const commandsFile = join(dir.path, 'commands.ndjson');
    using server = await startServe([
      '--store',
      `sqlite:${join(dir.path, 'tickets.db')}`,
      '--commands',
      `file:${commandsFile}`,
      '--rules',
      RULES,
    ]);
    // The example's conversations happened in March 2026: every timer is already due by the wall clock.
    const events = readFileSync(EVENTS, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as unknown);
    const posted = await fetch(`${server.base}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    expect(posted.status).toBeLessThan(300);

    const commands = await commandsIn(commandsFile, 4);
    expect(commands.map((c) => [c.time, c.type])).toEqual([
      ['2026-03-04T08:30:00.000Z', 'message.send'],
      ['2026-03-05T08:30:00.000Z', 'ticket.close'],
      ['2026-03-05T08:30:00.000Z', 'ticket.tag.add'],
      ['2026-03-06T08:30:00.000Z', 'ticket.tag.add'],
    ]);
    const listed = (await (await fetch(`${server.base}/v1/tickets?customer=cus_marie`)).json()) as {
      tickets: TicketState[];
    };
    expect(listed.tickets[0]).toMatchObject({
      status: 'closed',
      tags: ['auto-closed-no-reply', 'reopen-window-ended'],
      timers: [],
    });
    expect((await server.stop()).code).toBe(0);
  });

  it('the rule-reactor alone fires the timers an import left pending, from the read model’s due-time index', async () => {
    using dir = tempDir();
    const store = `sqlite:${join(dir.path, 'tickets.db')}`;
    const commandsFile = join(dir.path, 'commands.ndjson');
    // Imported with the clock stopped at the last event: Marie's two timers stay pending.
    const imported = spawnSync(
      process.execPath,
      [BIN, 'import', '--events', EVENTS, '--rules', RULES, '--store', store],
      { encoding: 'utf8' },
    );
    expect(imported.status).toBe(0);
    expect((JSON.parse(imported.stdout) as { clock: { timersFired: number } }).clock.timersFired).toBe(0);

    const reactor = spawn(
      process.execPath,
      [
        BIN,
        'rule-reactor',
        '--store',
        store,
        '--rules',
        RULES,
        '--commands',
        `file:${commandsFile}`,
        '--port',
        '0',
        '--log-level',
        'warn',
      ],
      { stdio: 'ignore' },
    );
    const exited = once(reactor, 'exit') as Promise<[number | null]>;
    try {
      const commands = await commandsIn(commandsFile, 4);
      expect(commands.map((c) => [c.time, c.type])).toEqual([
        ['2026-03-04T08:30:00.000Z', 'message.send'],
        ['2026-03-05T08:30:00.000Z', 'ticket.close'],
        ['2026-03-05T08:30:00.000Z', 'ticket.tag.add'],
        ['2026-03-06T08:30:00.000Z', 'ticket.tag.add'],
      ]);
    } finally {
      reactor.kill('SIGTERM');
    }
    expect((await exited)[0]).toBe(0);
  });
});

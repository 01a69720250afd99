import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command, TicketState } from '@tickets/domain';
import { tempDir, waitFor } from '@tickets/testing';
import { REPO, runTickets } from './cli-runner.js';
import { startServe } from './serve-process.js';

// SPEC invariant 7 as a user meets it: the seed story sent to a real `tickets serve` in one request,
// or with Marie's next message posted while the previous request is still in flight, ends exactly as
// `tickets simulate` of the same file. (Before routing and rules were one decision, the batch ended
// with one ticket: her question two days later sat in a ticket the thanks rule had closed over it.)

const SEED_FILE = join(REPO, 'examples/seed-sms-story.ndjson');
const SEED = readFileSync(SEED_FILE, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Record<string, unknown>);

const byTicket = (tickets: readonly TicketState[]) => [...tickets].sort((a, b) => a.ticketId.localeCompare(b.ticketId));

async function simulated(): Promise<{ tickets: TicketState[]; commands: Command[] }> {
  const run = await runTickets(['simulate', '--events', SEED_FILE]);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as { tickets: TicketState[]; commands: Command[] };
}

/** Posts to a fresh `tickets serve`, then waits for every command and returns its tickets and commands. */
async function throughServe(
  send: (post: (body: unknown) => Promise<Response>) => Promise<void>,
  expectedCommands: number,
  expectedTickets: TicketState[],
) {
  using dir = tempDir();
  const commandsFile = join(dir.path, 'commands.ndjson');
  using server = await startServe([
    '--store',
    `sqlite:${join(dir.path, 'tickets.db')}`,
    '--commands',
    `file:${commandsFile}`,
  ]);
  const post = (body: unknown) =>
    fetch(`${server.base}/v1/events`, {
      method: 'POST',
      headers: {
        'content-type': Array.isArray(body) ? 'application/cloudevents-batch+json' : 'application/cloudevents+json',
      },
      body: JSON.stringify(body),
    });
  await send(post);
  const commands = await waitFor(
    () => {
      let lines: string[];
      try {
        lines = readFileSync(commandsFile, 'utf8')
          .split('\n')
          .filter((line) => line !== '');
      } catch {
        return undefined;
      }
      return lines.length >= expectedCommands ? lines.map((line) => JSON.parse(line) as Command) : undefined;
    },
    { timeoutMs: 20_000, what: 'the commands to be published' },
  );
  // The projection follows the store: read until it holds what simulate holds, or give up and show it.
  const read = async () =>
    byTicket(
      ((await (await fetch(`${server.base}/v1/tickets?customer=cus_marie`)).json()) as { tickets: TicketState[] })
        .tickets,
    );
  const same = (tickets: TicketState[]) => JSON.stringify(tickets) === JSON.stringify(expectedTickets);
  await waitFor(async () => (same(await read()) ? true : undefined), {
    timeoutMs: 10_000,
    what: 'the projection',
  }).catch(() => undefined);
  const tickets = await read();
  expect((await server.stop()).code).toBe(0);
  return { tickets, commands };
}

describe('the seed story through tickets serve ends as simulate, however it arrives', () => {
  it('posted as one JSON array: two tickets (the follow-up flagged), the same commands', async () => {
    const reference = await simulated();
    expect(reference.tickets).toHaveLength(2);
    const served = await throughServe(
      async (post) => {
        const response = await post(SEED);
        expect(response.status).toBe(202);
      },
      reference.commands.length,
      byTicket(reference.tickets),
    );
    expect(served.tickets).toEqual(byTicket(reference.tickets));
    expect(served.commands).toEqual(reference.commands);
  });

  it('one request per event, each sent the moment the previous one is acknowledged ("Merci !" and the next message back to back)', async () => {
    const reference = await simulated();
    const served = await throughServe(
      async (post) => {
        // No waiting for the projection or the commands: only for the 202, which keeps the order.
        for (const event of SEED) expect((await post(event)).status).toBe(202);
      },
      reference.commands.length,
      byTicket(reference.tickets),
    );
    expect(served.tickets).toEqual(byTicket(reference.tickets));
    expect(served.commands).toEqual(reference.commands);
  });
});

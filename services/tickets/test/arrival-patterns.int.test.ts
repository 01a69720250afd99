import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  InMemoryPipeline,
  InboundEvent,
  inboundKey,
  type Command,
  type ReopenPolicy,
  type RulesFile,
  type TicketState,
} from '@tickets/domain';
import { createLogger } from '@tickets/platform';
import { createMemorySink } from '@tickets/rule-reactor';
import { tempDir } from '@tickets/testing';
import { openRuntime } from '../src/runtime.js';
import { inboundEvents, randomPolicy, randomRules, randomTraffic, type Traffic } from './random-history.js';

// SPEC invariant 7 through the real ingest: for any arrival pattern of the same events — one request
// per event, everything in one batch, many concurrent batches of random sizes, customers interleaved
// in any way — the tickets and the commands (ids and content) equal `simulate`'s, as long as each
// customer's events arrive in the same order. Random histories, rules and windows; SQLite and
// PostgreSQL stores.

const logger = createLogger({ level: 'silent' });
const POSTGRES = process.env['TICKETS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];

afterAll(async () => {
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

interface Outcome {
  readonly tickets: TicketState[];
  readonly commands: Command[];
}

const byTicket = (tickets: readonly TicketState[]) => [...tickets].sort((a, b) => a.ticketId.localeCompare(b.ticketId));
const byCommand = (commands: readonly Command[]) => [...commands].sort((a, b) => a.id.localeCompare(b.id));

/**
 * The traffic as a fixed list of events: agents act on the tickets the decisions route to, which the
 * in-memory pipeline (the same `decide`) tells as the events are generated.
 */
function eventsOf(traffic: Traffic, rules: RulesFile, policy: ReopenPolicy): object[] {
  const pipeline = new InMemoryPipeline(rules, policy);
  const routes = new Map<string, string>();
  const seen = new Set<string>();
  const events: object[] = [];
  for (const input of inboundEvents(traffic, (customerId, channel) => routes.get(`${customerId}/${channel}`))) {
    events.push(input);
    const event = InboundEvent.parse(input);
    const key = inboundKey(event.source, event.id);
    if (seen.has(key)) continue;
    const outcome = pipeline.handle(key, event);
    if (outcome.outcome !== 'accepted') continue;
    seen.add(key);
    const routed =
      event.type === 'ticket.created' ||
      outcome.routing?.kind === 'new_ticket' ||
      outcome.routing?.kind === 'follow_up';
    if (routed && 'channel' in event.data) routes.set(`${event.subject}/${event.data.channel}`, outcome.ticketId);
  }
  return events;
}

/** Submits the batches through the real ingest, `inFlight` requests at a time, then projects and relays everything. */
async function runThrough(
  store: string,
  rules: RulesFile,
  policy: ReopenPolicy,
  batches: readonly (readonly object[])[],
  inFlight: number,
): Promise<Outcome> {
  const sink = createMemorySink();
  const runtime = await openRuntime({ store, rules, policy, sink, logger, pii: { encryption: false } });
  try {
    const pending = new Set<Promise<unknown>>();
    for (const batch of batches) {
      // Submission order is arrival order: the ingest queues what it is handed, in order.
      const submit = runtime.ingest.submit(batch, 'test');
      pending.add(submit);
      void submit.finally(() => pending.delete(submit));
      if (pending.size >= inFlight) await Promise.race(pending);
    }
    await Promise.all(pending);
    await runtime.settle();
    await runtime.relay.catchUp();
    return { tickets: byTicket(await runtime.readModel.all()), commands: byCommand(sink.commands) };
  } finally {
    await runtime.close();
  }
}

/** The events in another order that keeps each customer's own order: customers interleaved at random. */
function interleaved(events: readonly object[], picks: readonly number[]): object[] {
  const queues = new Map<string, object[]>();
  for (const event of events) {
    const customer = (event as { subject: string }).subject;
    queues.set(customer, [...(queues.get(customer) ?? []), event]);
  }
  const out: object[] = [];
  let i = 0;
  while (out.length < events.length) {
    const open = [...queues.values()].filter((queue) => queue.length > 0);
    out.push(open[picks[i++ % picks.length]! % open.length]!.shift()!);
  }
  return out;
}

/** The events cut into consecutive batches of the given sizes (cycled). */
function batched(events: readonly object[], sizes: readonly number[]): object[][] {
  const batches: object[][] = [];
  for (let at = 0, i = 0; at < events.length; i++) {
    const size = sizes[i % sizes.length]!;
    batches.push(events.slice(at, at + size));
    at += size;
  }
  return batches;
}

const pattern = fc.record({
  picks: fc.array(fc.nat(50), { minLength: 1, maxLength: 40 }),
  sizes: fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 10 }),
  inFlight: fc.integer({ min: 1, max: 6 }),
});

const stores = [
  { name: 'SQLite', runs: 12, url: (dir: string, run: number) => `sqlite:${join(dir, `run-${run}.db`)}` },
  {
    name: 'PostgreSQL',
    runs: 6,
    url: (_dir: string, run: number) => {
      const schema = `arrival_${randomUUID().replaceAll('-', '').slice(0, 10)}_${run}`;
      schemas.push(schema);
      return `${POSTGRES}?schema=${schema}`;
    },
  },
];

describe.each(stores)('invariant 7 on $name: the outcome never depends on how the events arrive', ({ runs, url }) => {
  it(
    'one by one, one batch, concurrent batches of random sizes and customers interleaved all end as simulate does',
    { timeout: 600_000 },
    async () => {
      using dir = tempDir();
      let run = 0;
      let withCommands = 0;
      // Random rules emit no command in about a third of the histories, so the share checked below
      // could fall short by chance alone (~1.5% of runs on PostgreSQL). Histories drawn with a fixed
      // seed whose reference does emit commands run first, every time: the property is never vacuous.
      const candidates = fc.sample(fc.tuple(randomTraffic, randomRules, randomPolicy, pattern), {
        seed: 20261208,
        numRuns: 50,
      });
      // The reference: `simulate` feeds the file in order through the same ingest; one event per request.
      const referenceOf = async (traffic: Traffic, rules: RulesFile, policy: ReopenPolicy) => {
        const events = eventsOf(traffic, rules, policy);
        const reference = await runThrough(
          url(dir.path, run++),
          rules,
          policy,
          events.map((e) => [e]),
          1,
        );
        return { events, reference };
      };
      const examples: [Traffic, RulesFile, ReopenPolicy, (typeof candidates)[number][3]][] = [];
      for (const candidate of candidates) {
        if (examples.length === Math.ceil(runs / 3)) break;
        const [traffic, rules, policy] = candidate;
        if ((await referenceOf(traffic, rules, policy)).reference.commands.length > 0) examples.push(candidate);
      }
      expect(examples).toHaveLength(Math.ceil(runs / 3));
      await fc.assert(
        fc.asyncProperty(
          randomTraffic,
          randomRules,
          randomPolicy,
          pattern,
          async (traffic, rules, policy, { picks, sizes, inFlight }) => {
            const { events, reference } = await referenceOf(traffic, rules, policy);
            if (reference.commands.length > 0) withCommands++;
            const oneBatch = await runThrough(url(dir.path, run++), rules, policy, [events], 1);
            expect(oneBatch).toEqual(reference);
            const concurrent = await runThrough(
              url(dir.path, run++),
              rules,
              policy,
              batched(interleaved(events, picks), sizes),
              inFlight,
            );
            expect(concurrent).toEqual(reference);
          },
        ),
        { numRuns: runs, examples },
      );
      // Not vacuous: a good share of the histories made the rules emit commands (random rules often emit none).
      expect(withCommands).toBeGreaterThanOrEqual(Math.ceil(runs / 3));
    },
  );
});

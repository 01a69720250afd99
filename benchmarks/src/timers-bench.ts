// `node dist/timers-bench.js [--customers N] [--timers-per-reply N]`: what timers cost on SQLite.
// Phase 0 appends the same events straight to the store (the baseline, same run). Phase 1 feeds each
// customer a message and an agent reply (N timers set per reply, default 2: a nudge at 48 h and a
// close at 72 h), once with the timer rules and once without, to measure what scheduling
// adds to the end-to-end ingest; phase 2 runs the clock past every due time and measures the firing
// rate (each firing: TimerFired, the rule's decision, its changes, the customer's index, the commands).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_REOPEN_POLICY, RulesFile, ticketIdFor } from '@tickets/domain';
import { createLogger } from '@tickets/platform';
import { createMemorySink } from '@tickets/rule-reactor';
import { createSqliteEventStore } from '@tickets/event-store/sqlite';
import { openRuntime, type Runtime } from '@tickets/cli';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '10000' },
    // Timer rules per agent reply (the nudge and the close, then more nudges): 1M pending timers
    // without 1M events to ingest first.
    'timers-per-reply': { type: 'string', default: '2' },
  },
});
const customers = Number(values.customers);
const perReply = Number(values['timers-per-reply']);
const silent = createLogger({ level: 'silent' });
const SOURCE = 'https://postscript.example/sms';
const TIMER_RULES = RulesFile.parse({
  rules: [
    {
      id: 'nudge',
      name: 'Nudge',
      when: { after: '48h', since: 'agent_reply' },
      then: [{ type: 'send_auto_reply', body: "Avez-vous encore besoin d'aide ?" }],
    },
    {
      id: 'close',
      name: 'Close',
      when: { after: '72h', since: 'agent_reply' },
      then: [{ type: 'close_ticket' }, { type: 'add_tag', tag: 'auto-closed-no-reply' }],
    },
    // Extra timers fire before the close (hours 1 to N-2 after the reply), each tagging the ticket.
    ...Array.from({ length: Math.max(0, perReply - 2) }, (_, n) => ({
      id: `extra-${n + 1}`,
      name: `Extra ${n + 1}`,
      when: { after: `${n + 1}h`, since: 'agent_reply' as const },
      then: [{ type: 'add_tag' as const, tag: `waited-${n + 1}h` }],
    })),
  ],
});
const NO_RULES = RulesFile.parse({ rules: [] });

function eventsOf(i: number): unknown[] {
  const id = `cus_${i}`;
  const at = new Date(Date.UTC(2026, 2, 2, 8) + i * 1_000);
  const customer = { id, name: `Client ${i}`, phone: `+336${String(i).padStart(8, '0')}` };
  return [
    {
      specversion: '1.0',
      id: `m-${i}`,
      source: SOURCE,
      type: 'message.received',
      time: at.toISOString(),
      subject: id,
      data: { channel: 'sms', integration: 'postscript', customer, message: { id: `mm-${i}`, body: 'Bonjour' } },
    },
    {
      specversion: '1.0',
      id: `r-${i}`,
      source: 'https://helpdesk.example/agents',
      type: 'message.sent',
      time: new Date(at.getTime() + 60_000).toISOString(),
      subject: id,
      data: {
        ticketId: ticketIdFor(SOURCE, `m-${i}`),
        message: { id: `rr-${i}`, body: 'Réponse' },
        author: { type: 'agent' },
      },
    },
  ];
}

async function feed(runtime: Runtime): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < customers; i += 250) {
    const batch: unknown[] = [];
    for (let j = i; j < Math.min(customers, i + 250); j++) batch.push(...eventsOf(j));
    await runtime.ingest.submit(batch, 'bench');
  }
  await runtime.settle();
  return (performance.now() - started) / 1000;
}

/**
 * The baseline measured in the same run: the same number of events appended straight to a SQLite
 * store (one stream per customer, 250 customers per atomic appendMany, as the ingest batches), no decision.
 */
async function rawAppend(path: string): Promise<number> {
  const store = createSqliteEventStore({ path });
  try {
    const started = performance.now();
    for (let i = 0; i < customers; i += 250) {
      const appends = [];
      for (let j = i; j < Math.min(customers, i + 250); j++) {
        const events = eventsOf(j).map((data, n) => ({ id: `raw-${j}-${n}`, type: 'Inbound', data: data as never }));
        appends.push({ stream: `raw-${j}`, events });
      }
      await store.appendMany(appends);
    }
    return (performance.now() - started) / 1000;
  } finally {
    await store.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tickets-timers-bench-'));
try {
  const results: Record<string, unknown> = {
    customers,
    events: customers * 2,
    'timers per agent reply': perReply,
    'load average before': loadavg()[0]?.toFixed(2),
  };
  const rawSeconds = await rawAppend(join(dir, 'raw.db'));
  results['baseline: raw SQLite append, no decision (events/s)'] = Math.round((customers * 2) / rawSeconds);
  for (const [name, rules] of [
    ['without timer rules', NO_RULES],
    ['with timer rules', TIMER_RULES],
  ] as const) {
    const runtime = await openRuntime({
      store: `sqlite:${join(dir, `${rules === NO_RULES ? 'plain' : 'timers'}.db`)}`,
      rules,
      policy: DEFAULT_REOPEN_POLICY,
      sink: createMemorySink(),
      logger: silent,
    });
    try {
      const seconds = await feed(runtime);
      results[`ingest end-to-end ${name} (events/s)`] = Math.round((customers * 2) / seconds);
      if (rules === TIMER_RULES) {
        results['pending timers'] = customers * perReply;
        const started = performance.now();
        const fired = await runtime.fireTimersUntil('2026-04-01T00:00:00.000Z');
        const s = (performance.now() - started) / 1000;
        results['timers fired'] = fired;
        results['firing incl. projector catch-up (timers/s)'] = Math.round(fired / s);
        results['peak RSS (MiB)'] = Math.round(process.resourceUsage().maxRSS / 1024);
      }
    } finally {
      await runtime.close();
    }
  }
  const plain = results['ingest end-to-end without timer rules (events/s)'] as number;
  const timed = results['ingest end-to-end with timer rules (events/s)'] as number;
  results['scheduling cost on the ingest (%)'] = Math.round((1 - timed / plain) * 1000) / 10;
  results['load average after'] = loadavg()[0]?.toFixed(2);
  console.log(JSON.stringify(results, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@tickets/platform';
import { loadRulesAndPolicy } from '@tickets/streams';
import { createMemorySink } from '@tickets/rule-reactor';
import { feedEvents } from '../feed-events.js';
import { assertReadable } from '../read-ndjson.js';
import { openRuntime, runClock } from '../runtime.js';
import { timeOption } from '../time-option.js';

export interface SimulateOptions {
  readonly events: string;
  readonly rules?: string;
  readonly policy?: string;
  /** How far the clock runs after the last event (event time); default: the last event's time. */
  readonly until?: string;
}

/** Runs the real pipeline on a throw-away SQLite store and returns what it produced. */
export async function simulate(options: SimulateOptions, logger: Logger) {
  await assertReadable(options.events, '--events');
  const until = timeOption('--until', options.until);
  const { rules, policy } = await loadRulesAndPolicy(options);
  const dir = await mkdtemp(join(tmpdir(), 'tickets-simulate-'));
  const sink = createMemorySink();
  // The store is deleted when the run ends and nobody else can read it: sealing personal data in it
  // (what TICKETS_PII_ENCRYPTION asks for stores that persist) would only cost time. The outcome does
  // not depend on it: decisions see the events in clear either way.
  const runtime = await openRuntime({
    store: `sqlite:${join(dir, 'simulate.db')}`,
    rules,
    policy,
    sink,
    logger,
    pii: { encryption: false },
  });
  try {
    const summary = await feedEvents(runtime, options.events, 'simulate');
    const clock = await runClock(runtime, until ?? summary.latestTime);
    await runtime.relay.catchUp();
    return {
      tickets: await runtime.readModel.all(),
      commands: [...sink.commands],
      rejected: summary.rejected,
      stats: {
        events: summary.events,
        accepted: summary.accepted,
        duplicates: summary.duplicates,
        rejected: summary.rejected.length,
      },
      clock,
    };
  } finally {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  }
}

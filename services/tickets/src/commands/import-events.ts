import type { Logger } from '@tickets/platform';
import { loadRulesAndPolicy, type PiiSettings } from '@tickets/streams';
import { createSink } from '@tickets/rule-reactor';
import { feedEvents } from '../feed-events.js';
import { assertReadable } from '../read-ndjson.js';
import { openRuntime, runClock } from '../runtime.js';
import { timeOption } from '../time-option.js';

export interface ImportOptions {
  readonly events: string;
  readonly store: string;
  readonly readModel?: string | undefined;
  readonly rules?: string;
  readonly policy?: string;
  /** Where to publish the commands now; without it they stay in the store's outbox for `serve`. */
  readonly commands?: string;
  /** How far the clock runs after the last event (event time); default: the last event's time. */
  readonly until?: string;
  /** The configuration's personal-data settings (defaults when absent). */
  readonly pii?: PiiSettings;
}

/** Feeds the events into a store as if POSTed, and waits for the projector and reactor to catch up. */
export async function importEvents(options: ImportOptions, logger: Logger) {
  await assertReadable(options.events, '--events');
  const until = timeOption('--until', options.until);
  const { rules, policy } = await loadRulesAndPolicy(options);
  const sink = createSink(options.commands ?? 'none');
  const runtime = await openRuntime({
    store: options.store,
    readModel: options.readModel,
    rules,
    policy,
    sink,
    logger,
    ...(options.pii === undefined ? {} : { pii: options.pii }),
  });
  try {
    const summary = await feedEvents(runtime, options.events, 'import');
    const clock = await runClock(runtime, until ?? summary.latestTime);
    if (options.commands !== undefined) await runtime.relay.catchUp();
    return { accepted: summary.accepted, duplicates: summary.duplicates, rejected: summary.rejected, clock };
  } finally {
    await runtime.close();
  }
}

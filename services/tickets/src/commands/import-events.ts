import { loadRulesAndPolicy, type Logger } from '@tickets/platform';
import { createSink } from '@tickets/rule-reactor';
import { feedEvents } from '../feed-events.js';
import { assertReadable } from '../read-ndjson.js';
import { openRuntime } from '../runtime.js';

export interface ImportOptions {
  readonly events: string;
  readonly store: string;
  readonly readModel?: string | undefined;
  readonly rules?: string;
  readonly policy?: string;
  /** Where to publish the commands now; without it they stay in the store's outbox for `serve`. */
  readonly commands?: string;
}

/** Feeds the events into a store as if POSTed, and waits for the projector and reactor to catch up. */
export async function importEvents(options: ImportOptions, logger: Logger) {
  await assertReadable(options.events, '--events');
  const { rules, policy } = await loadRulesAndPolicy(options);
  const sink = createSink(options.commands ?? 'none');
  const runtime = await openRuntime({ store: options.store, readModel: options.readModel, rules, policy, sink, logger });
  try {
    const summary = await feedEvents(runtime, options.events, 'import');
    if (options.commands !== undefined) await runtime.relay.catchUp();
    return { accepted: summary.accepted, duplicates: summary.duplicates, rejected: summary.rejected };
  } finally {
    await runtime.close();
  }
}

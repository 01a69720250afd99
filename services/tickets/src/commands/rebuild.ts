import type { Logger } from '@tickets/platform';
import { createSink } from '@tickets/rule-reactor';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES } from '@tickets/domain';
import { openRuntime } from '../runtime.js';

/** Drops the ticket projection and folds every event again from the first. */
export async function rebuild(options: { store: string; readModel?: string | undefined }, logger: Logger) {
  // Rules and policy play no part in a rebuild: decisions are read from the events.
  const runtime = await openRuntime({ store: options.store, readModel: options.readModel, rules: DEFAULT_RULES, policy: DEFAULT_REOPEN_POLICY, sink: createSink('none'), logger });
  try {
    const started = process.hrtime.bigint();
    const events = await runtime.projector.rebuild();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const tickets = (await runtime.readModel.all()).length;
    return { events, tickets, seconds: Number(seconds.toFixed(3)), eventsPerSecond: Math.round(events / Math.max(seconds, 1e-9)) };
  } finally {
    await runtime.close();
  }
}

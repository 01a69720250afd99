import type { ReopenPolicy, RulesFile } from '@tickets/domain';
import { openStore, parseStoreUrl } from '@tickets/event-store';
import { followUntil, type Logger } from '@tickets/platform';
import { createCommandRelay } from './command-relay.js';
import { createReactor } from './reactor.js';
import { createSink } from './sinks/parse-sink-url.js';

export interface RuleReactorServiceOptions {
  readonly store: string;
  readonly rules: RulesFile;
  readonly policy: ReopenPolicy;
  /** Sink spec for the commands: stdout, none, file:PATH, http(s)://URL. */
  readonly commands: string;
  readonly logger: Logger;
}

/** The rule-reactor and its command relay on their own, following the store. */
export async function runRuleReactorService(options: RuleReactorServiceOptions, until: Promise<unknown>): Promise<void> {
  const { logger } = options;
  const sink = createSink(options.commands);
  const { store, checkpoints } = await openStore(parseStoreUrl(options.store));
  const reactor = createReactor({ store, checkpoints, rules: options.rules, policy: options.policy, logger });
  const relay = createCommandRelay({ store, checkpoints, sink, logger });
  logger.info({ rules: options.rules.rules.length, commands: options.commands }, 'rule-reactor ready');
  try {
    await followUntil([(signal) => reactor.run(signal), (signal) => relay.run(signal)], until);
  } finally {
    await sink.close();
    await checkpoints.close();
    await store.close();
    logger.info('rule-reactor stopped');
  }
}

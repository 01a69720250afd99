import type { ReopenPolicy, RulesFile } from '@tickets/domain';
import { parseStoreUrl } from '@tickets/event-store';
import { followUntil, type Logger } from '@tickets/platform';
import { createCommandRelay } from './command-relay.js';
import { createReactor } from './reactor.js';
import { openCommandSink } from './open-command-sink.js';
import type { KafkaSetup } from '@tickets/messaging';
import { openDomainStore } from '@tickets/streams';

export interface RuleReactorServiceOptions {
  readonly store: string;
  readonly rules: RulesFile;
  readonly policy: ReopenPolicy;
  /** Sink spec for the commands: kafka, stdout, none, file:PATH, http(s)://URL (default: see openCommandSink). */
  readonly commands?: string | undefined;
  readonly kafka: KafkaSetup | null;
  readonly logger: Logger;
}

/** The rule-reactor and its command relay on their own, following the store. */
export async function runRuleReactorService(options: RuleReactorServiceOptions, until: Promise<unknown>): Promise<void> {
  const { logger } = options;
  const sink = openCommandSink(options.commands, options.kafka);
  const { store, checkpoints } = await openDomainStore(parseStoreUrl(options.store));
  const reactor = createReactor({ store, checkpoints, rules: options.rules, policy: options.policy, logger });
  const relay = createCommandRelay({ store, checkpoints, sink, logger });
  logger.info({ rules: options.rules.rules.length, commands: options.commands ?? 'default' }, 'rule-reactor ready');
  try {
    await followUntil([(signal) => reactor.run(signal), (signal) => relay.run(signal)], until);
  } finally {
    await sink.close();
    await checkpoints.close();
    await store.close();
    logger.info('rule-reactor stopped');
  }
}

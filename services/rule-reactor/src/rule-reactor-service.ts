import type { ReopenPolicy, RulesFile } from '@tickets/domain';
import { openStore, parseStoreUrl } from '@tickets/event-store';
import { followUntil, type Logger } from '@tickets/platform';
import { createCommandRelay } from './command-relay.js';
import { createReactor } from './reactor.js';
import { openCommandSink } from './open-command-sink.js';
import type { KafkaSetup } from '@tickets/messaging';

/** What one process runs: both loops (the default), or one of them when they are scaled or restarted apart. */
export const REACTOR_PARTS = ['reactor', 'relay'] as const;
export type ReactorPart = (typeof REACTOR_PARTS)[number];

export interface RuleReactorServiceOptions {
  readonly store: string;
  readonly rules: RulesFile;
  readonly policy: ReopenPolicy;
  /** Sink spec for the commands: kafka, stdout, none, file:PATH, http(s)://URL (default: see openCommandSink). */
  readonly commands?: string | undefined;
  readonly kafka: KafkaSetup | null;
  readonly logger: Logger;
  /**
   * Only the reactor (decisions into the store) or only the command relay (outbox → sink). The two
   * share nothing but the store and their checkpoints, so they may run in separate processes.
   */
  readonly only?: ReactorPart | undefined;
}

/** The rule-reactor and its command relay on their own (or one of them), following the store. */
export async function runRuleReactorService(options: RuleReactorServiceOptions, until: Promise<unknown>): Promise<void> {
  const { logger, only } = options;
  // The reactor alone publishes nothing: it opens no sink (no Kafka producer, no file).
  const sink = only === 'reactor' ? null : openCommandSink(options.commands, options.kafka);
  const { store, checkpoints } = await openStore(parseStoreUrl(options.store));
  const followers: ((signal: AbortSignal) => Promise<void>)[] = [];
  if (only !== 'relay') {
    const reactor = createReactor({ store, checkpoints, rules: options.rules, policy: options.policy, logger });
    followers.push((signal) => reactor.run(signal));
  }
  if (sink !== null) {
    const relay = createCommandRelay({ store, checkpoints, sink, logger });
    followers.push((signal) => relay.run(signal));
  }
  logger.info({ rules: options.rules.rules.length, commands: sink === null ? 'none' : (options.commands ?? 'default'), parts: only ?? 'reactor+relay' }, 'rule-reactor ready');
  try {
    await followUntil(followers, until);
  } finally {
    await sink?.close();
    await checkpoints.close();
    await store.close();
    logger.info('rule-reactor stopped');
  }
}

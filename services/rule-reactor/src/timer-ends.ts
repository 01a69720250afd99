import { parseStoreUrl } from '@tickets/event-store';
import { createIngest } from '@tickets/ingest';
import { systemClock, type Logger, type PiiSettings } from '@tickets/platform';
import { openTicketReadModel } from '@tickets/projector';
import { loadRulesAndPolicy, openDomainStore } from '@tickets/streams';
import type { TimerSchedulerOptions } from './timer-scheduler.js';

/**
 * What the standalone rule-reactor needs to fire timers: the due-time index of the read model the
 * projector keeps, and an ingest on the same store with the same rules and policy (a firing is a
 * decision like any other: the same appends, idempotent by timer id).
 */
export interface TimerEnds {
  readonly ends: Pick<TimerSchedulerOptions, 'due' | 'fire' | 'clock'>;
  close(): Promise<void>;
}

export async function openTimerEnds(
  options: {
    readonly store: string;
    readonly readModel?: string | undefined;
    readonly rules?: string | undefined;
    readonly policy?: string | undefined;
    /** The configuration's personal-data settings: a firing writes customer data too. */
    readonly pii: PiiSettings;
  },
  logger: Logger,
): Promise<TimerEnds> {
  const { rules, policy } = await loadRulesAndPolicy(options);
  const location = parseStoreUrl(options.store);
  const { store, checkpoints } = await openDomainStore(location, options.pii);
  const readModel = await openTicketReadModel(location, options.readModel);
  const ingest = createIngest({ store, rules, policy, logger: logger.child({ component: 'ingest' }) });
  return {
    ends: {
      due: (until: string, limit: number) => readModel.dueCustomers(until, limit),
      fire: (customerIds: readonly string[], until: string) => ingest.fireTimers(customerIds, until),
      clock: systemClock,
    },
    async close(): Promise<void> {
      await ingest.close();
      await readModel.close();
      await checkpoints.close();
      await store.close();
    },
  };
}

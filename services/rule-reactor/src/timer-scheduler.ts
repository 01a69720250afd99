import type { Clock, Logger } from '@tickets/platform';

export interface TimerSchedulerOptions {
  /**
   * The due-time index (the read model's `ticket_timers`): customers with a timer due at or before
   * `until`, earliest first. It may lag the store: a customer whose timers already fired is a no-op.
   */
  readonly due: (until: string, limit: number) => Promise<string[]>;
  /** Fires the customers' timers due by `until` through the ingest's decision path (`Ingest.fireTimers`). */
  readonly fire: (customerIds: readonly string[], until: string) => Promise<number>;
  /** The wall clock: it only says when to fire; what fires and its event time come from the timers. */
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long to wait when nothing is due (default 1 s). */
  readonly idleMs?: number;
  /** Customers fired per round (default 1,000): one ingest batch each. */
  readonly batchSize?: number;
}

export interface TimerScheduler {
  /** Fires what is due now, round after round, until nothing is: returns how many timers fired. */
  tick(): Promise<number>;
  /** Ticks until `signal` aborts, waiting `idleMs` whenever nothing was due. */
  run(signal: AbortSignal): Promise<void>;
}

/**
 * The scheduler: when the wall clock passes a timer's due time, it asks the ingest to fire it. One
 * query on the due-time index per round, never one in-memory timer per ticket, so a million pending
 * timers cost a table, not a heap. What a timer does never depends on this: it fires at event time =
 * its due time, and an event of the customer arriving first fires it just the same (SPEC invariant 7).
 */
export function createTimerScheduler(options: TimerSchedulerOptions): TimerScheduler {
  const { due, fire, clock, logger } = options;
  const idleMs = options.idleMs ?? 1_000;
  const batchSize = options.batchSize ?? 1_000;

  async function tick(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = clock().toISOString();
      const customers = await due(now, batchSize);
      if (customers.length === 0) return total;
      const fired = await fire(customers, now);
      total += fired;
      // Nothing fired for a full page of due customers: the index lags the store (the projector is
      // behind); wait for it rather than spin.
      if (fired === 0 || customers.length < batchSize) return total;
    }
  }

  return {
    tick,
    async run(signal) {
      while (!signal.aborted) {
        try {
          const fired = await tick();
          if (fired > 0) logger.info({ fired }, 'timers fired by the scheduler');
        } catch (error) {
          // Stopping: the ingest closes before the followers do; what was due fires on the next start.
          if (signal.aborted) return;
          // A store or index outage: the timers stay pending and fire on the next round (or with the
          // customer's next event), so the error is logged, not fatal.
          logger.error({ err: error }, 'timer scheduler round failed');
        }
        await sleep(idleMs, signal);
      }
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

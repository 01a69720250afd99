import { availableParallelism } from 'node:os';
import { toMillis } from '@tickets/domain';
import { createProgress } from '@tickets/platform';
import { defaultConfig } from '@tickets/platform/config';
import { loadRulesAndPolicy, type PiiSettings } from '@tickets/streams';
import { openHistory } from '@tickets/audit';
import { whatIf } from '@tickets/audit';
import type { WhatIfReport } from '@tickets/audit';
import { assertStoreExists } from '../existing-store.js';
import { timeOption } from '../time-option.js';
import { UsageError } from '../usage-error.js';

export interface WhatIfCommandOptions {
  /** The configuration's personal-data settings (defaults when absent). */
  readonly pii?: PiiSettings;
  readonly rules: string;
  readonly policy?: string;
  readonly since?: string;
  readonly until?: string;
  readonly store: string;
  /** Worker threads; default: one per core for large stores, none for small ones. */
  readonly threads?: number;
  /** Decide every customer again, even those the change cannot reach. */
  readonly redecideAll?: boolean;
}

/** Below this many store events, starting worker threads costs more than it saves. */
const PARALLEL_FROM = 200_000;

/** `tickets what-if`: the recorded traffic re-decided in memory with other rules or windows. */
export async function runWhatIf(options: WhatIfCommandOptions): Promise<WhatIfReport> {
  const since = timeOption('--since', options.since);
  const until = timeOption('--until', options.until);
  if (since !== undefined && until !== undefined && toMillis(since) >= toMillis(until)) {
    throw new UsageError(`--since ${since} must be before --until ${until}`);
  }
  const { rules, policy } = await loadRulesAndPolicy(options);
  assertStoreExists(options.store);
  const history = await openHistory(options.store, options.pii ?? defaultConfig().pii);
  // Progress runs in store positions: one per event on SQLite and PostgreSQL, twice the log's byte
  // offset on KurrentDB, so they are not called events.
  const progress = createProgress({ label: 'what-if', total: history.head, unit: 'store positions' });
  try {
    const threads = options.threads ?? (history.head >= PARALLEL_FROM ? Math.max(2, availableParallelism()) : 0);
    return await whatIf(history, {
      rules,
      policy,
      since,
      until,
      threads,
      redecideAll: options.redecideAll ?? false,
      onProgress: (position) => progress.update(position),
    });
  } finally {
    progress.finish();
    await history.close();
  }
}

import { existsSync } from 'node:fs';
import { parseStoreUrl } from '@tickets/event-store';
import { UsageError } from './usage-error.js';

/**
 * Audit verbs read a store that must already exist: opening a missing SQLite file would create an
 * empty store and report on nothing.
 */
export function assertStoreExists(storeUrl: string): void {
  const location = parseStoreUrl(storeUrl);
  if (location.kind === 'sqlite' && location.path !== ':memory:' && !existsSync(location.path)) {
    throw new UsageError(`--store: no store at ${location.path}`);
  }
}

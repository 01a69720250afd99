import { EventTime } from '@tickets/domain/fold';
import { UsageError } from './usage-error.js';

/** A time given on the command line (`--at`, `--since`, `--until`), as UTC; undefined when not given. */
export function timeOption(option: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = EventTime.safeParse(value);
  if (!parsed.success)
    throw new UsageError(
      `${option}: ${JSON.stringify(value)} is not an RFC 3339 date-time (e.g. 2026-03-05T10:00:00Z)`,
    );
  return parsed.data;
}

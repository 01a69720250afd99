import type { ExpectedVersion } from '../event-store.port.js';

/**
 * How a writer's expected version compares with the stream's last revision (-1: no stream):
 * - `matches`: the append may go ahead (for `any` and `stream_exists` the server still checks ids);
 * - `moved-on`: the stream is past the expected revision; the events may already be there (a retry);
 * - `conflict`: neither.
 */
export type VersionCheck = 'matches' | 'moved-on' | 'conflict';

export function checkExpectedVersion(expected: ExpectedVersion, actual: number): VersionCheck {
  if (expected === 'any') return 'matches';
  if (expected === 'stream_exists') return actual >= 0 ? 'matches' : 'conflict';
  const revision = expected === 'no_stream' ? -1 : expected;
  if (actual === revision) return 'matches';
  return actual > revision ? 'moved-on' : 'conflict';
}

/**
 * The appended ids against those stored from the expected revision on: the same run is a repeated
 * append (nothing to write), none the same a plain conflict, some the same an idempotency error.
 */
export type RunComparison =
  { readonly kind: 'repeat' } | { readonly kind: 'different' } | { readonly kind: 'partial'; readonly eventId: string };

export function compareRun(appended: readonly string[], stored: readonly string[]): RunComparison {
  let matched = 0;
  let first: string | undefined;
  for (let i = 0; i < appended.length; i++) {
    if (stored[i] !== undefined && stored[i] === appended[i]) {
      matched++;
      first ??= appended[i];
    }
  }
  if (matched === appended.length) return { kind: 'repeat' };
  return first === undefined ? { kind: 'different' } : { kind: 'partial', eventId: first };
}

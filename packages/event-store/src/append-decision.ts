import { IdempotencyError } from './errors.js';
import type { ExpectedVersion } from './event-store.port.js';

/**
 * What an append is, given the stream's last revision (-1: no stream) — the one rule every adapter
 * follows (SQLite, PostgreSQL, KurrentDB), so that a retried append means the same on each:
 * - `write`: the expectation holds; the events go after `actual`;
 * - `unchanged`: the expectation holds and there is nothing to write;
 * - `locate`: the stream is past what the writer saw, or the writer gave no version: the same events
 *   may be stored already (a retry after a lost reply). `at` says where to look: the revision right
 *   after the expected one, or, without a version to compare, wherever the first event's id is
 *   stored. Then `compareRun` on the stored ids decides: a repeat (success, nothing written), part
 *   of one (IdempotencyError), or none (with `first-id`: no stored copy, so write; with a revision:
 *   a ConcurrencyError);
 * - `conflict`: a ConcurrencyError.
 */
export type AppendDecision =
  | { readonly kind: 'write' }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'locate'; readonly at: number | 'first-id' }
  | { readonly kind: 'conflict' };

export function decideAppend(expected: ExpectedVersion, actual: number, eventCount: number): AppendDecision {
  if (expected === 'any' || expected === 'stream_exists') {
    if (actual === -1) {
      if (expected === 'stream_exists') return { kind: 'conflict' };
      return eventCount === 0 ? { kind: 'unchanged' } : { kind: 'write' };
    }
    return eventCount === 0 ? { kind: 'unchanged' } : { kind: 'locate', at: 'first-id' };
  }
  const revision = expected === 'no_stream' ? -1 : expected;
  if (actual === revision) return eventCount === 0 ? { kind: 'unchanged' } : { kind: 'write' };
  if (actual > revision && eventCount > 0) return { kind: 'locate', at: revision + 1 };
  return { kind: 'conflict' };
}

/**
 * The appended ids against the ids stored at the same revisions (`stored[i]`: the id at the located
 * revision + i, undefined where there is none): all the same is a repeated append (nothing to write),
 * none the same is no proof of anything, some the same an idempotency error naming the first.
 */
export type RunComparison =
  { readonly kind: 'repeat' } | { readonly kind: 'different' } | { readonly kind: 'partial'; readonly eventId: string };

export function compareRun(appended: readonly string[], stored: readonly (string | undefined)[]): RunComparison {
  let matched = 0;
  let first: string | undefined;
  for (let i = 0; i < appended.length; i++) {
    if (stored[i] !== undefined && stored[i] === appended[i]) {
      matched++;
      first ??= appended[i];
    }
  }
  if (appended.length > 0 && matched === appended.length) return { kind: 'repeat' };
  return first === undefined ? { kind: 'different' } : { kind: 'partial', eventId: first };
}

/** `compareRun`, with part of a run thrown as the IdempotencyError every adapter gives: true for a repeat. */
export function isRepeatedRun(
  stream: string,
  appended: readonly string[],
  stored: readonly (string | undefined)[],
): boolean {
  const comparison = compareRun(appended, stored);
  if (comparison.kind === 'partial') throw new IdempotencyError(stream, comparison.eventId);
  return comparison.kind === 'repeat';
}

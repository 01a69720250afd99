import { START, type Position, type ReadPosition } from '@kurrent/kurrentdb-client';
import { EventStoreError } from '../errors.js';

/*
 * Global positions. An EventStoreDB position is {commit, prepare}: byte offsets in the transaction
 * log. Every event appended through gRPC (all of them since server v20) is its own implicit commit,
 * so its commit position is the offset of its own record: unique and increasing in commit order.
 *
 * Our port wants one number. We use 2 × commit for an event, so that odd numbers are free to say
 * "just before the record at (n + 1) / 2". That is what the server's filtered-subscription
 * checkpoints mean when they point at the start of a page, {commit: X, prepare: 0}: a subscriber can
 * save such a checkpoint and resume from it exactly, and `after: position - 1` resumes just before an
 * event, which a plain byte offset could not express (the server rejects reads from offsets inside a
 * record). The doubled offset stays a safe JS integer up to 2^52 bytes (4 PiB) of log.
 *
 * Not supported: events of legacy explicit transactions (TCP clients before v24), which share one
 * commit position.
 */

const MAX_COMMIT = BigInt(Math.floor(Number.MAX_SAFE_INTEGER / 2));

function commitNumber(commit: bigint): number {
  if (commit < 0n || commit > MAX_COMMIT) {
    throw new EventStoreError(
      'EVENT_STORE.UNAVAILABLE',
      `the server reported position ${commit}, beyond what this adapter can represent`,
      false,
    );
  }
  return Number(commit);
}

/** The position of an event, or undefined when the server did not report one (servers before 22.6 on stream reads). */
export function eventPosition(position: Position | undefined): number | undefined {
  // Old servers send -1 (2^64 - 1 once unsigned) for "no position".
  if (position === undefined || position.commit >= 1n << 63n) return undefined;
  return 2 * commitNumber(position.commit);
}

/**
 * A filtered subscription's checkpoint: every record before it, and the record at it when prepare ≥
 * commit, was considered. Undefined for "no position" (-1, read as 2^64-1): servers 24.2 to 24.10.4
 * send such a checkpoint to filtered subscriptions from the start (KDB-710); it says nothing, and
 * taking it for a position would end the subscription on every fresh database.
 */
export function checkpointPosition(position: Position): number | undefined {
  if (position.commit >= 1n << 63n || position.prepare >= 1n << 63n) return undefined;
  if (position.commit === 0n) return 0;
  const doubled = 2 * commitNumber(position.commit);
  return position.prepare >= position.commit ? doubled : doubled - 1;
}

/**
 * Where to start reading so that events with a position greater than `after` come first. Reads of
 * `$all` include their start position and subscriptions exclude it: callers skip positions ≤ `after`.
 * `after` must be 0 or a position this store handed out (an event's, a checkpoint, or one of these
 * minus one); any other offset may fall inside a record, which the server refuses.
 */
export function readPositionAfter(after: number): ReadPosition {
  if (after === 0) return START;
  if (after % 2 === 0) {
    const commit = BigInt(after / 2);
    return { commit, prepare: commit };
  }
  return { commit: BigInt((after + 1) / 2), prepare: 0n };
}

import { ErrorType, type WrongExpectedVersionError } from '@kurrent/kurrentdb-client';
import { ConcurrencyError, EventStoreError } from '../errors.js';
import { fromCurrentRevision } from './expected-revision.js';

/*
 * The client's errors carry a `type` (its ErrorType). We test that rather than `instanceof`, so the
 * checks hold for a second copy of the client package and for test fakes alike.
 */

const errorType = (error: unknown): unknown =>
  typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;

/**
 * gRPC status codes worth retrying: UNAVAILABLE, DEADLINE_EXCEEDED, and INTERNAL and DATA_LOSS, which a
 * node answers while it loses leadership or restarts (the KurrentDB client maps the last two to
 * Unavailable; older clients left them as UnknownError with the code).
 */
const TRANSIENT_STATUS_CODES = new Set([14, 4, 13, 15]);

const TRANSIENT_TYPES = new Set<unknown>([
  ErrorType.UNAVAILABLE, // no connection, node restarting
  ErrorType.DEADLINE_EXCEEDED, // no answer in time: the call may or may not have happened
  ErrorType.TIMEOUT, // the server's own commit/prepare timeout
  ErrorType.NOT_LEADER, // a cluster election: the client rediscovers the leader
  ErrorType.CANCELLED, // cancelled by the server (shutting down); our own cancellations never surface
]);

/** A failure that says nothing about the request itself: the same call may succeed later. */
export function isTransientEsdbError(error: unknown): boolean {
  const type = errorType(error);
  if (TRANSIENT_TYPES.has(type)) return true;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return (
    (type === undefined || type === ErrorType.UNKNOWN) && typeof code === 'number' && TRANSIENT_STATUS_CODES.has(code)
  );
}

/** What the adapter reads of the client's AppendConsistencyViolationError. */
export interface ConsistencyViolationLike {
  readonly violations: readonly { readonly streamName: string; readonly actualState: bigint | string }[];
}

/** `appendRecords` refused: a check failed (or a repeat was mixed with new writes), nothing was written. */
export const isConsistencyViolation = (error: unknown): error is ConsistencyViolationLike =>
  errorType(error) === ErrorType.APPEND_CONSISTENCY_VIOLATION &&
  Array.isArray((error as { violations?: unknown }).violations);

export const isWrongExpectedVersion = (error: unknown): error is WrongExpectedVersionError =>
  errorType(error) === ErrorType.WRONG_EXPECTED_VERSION;

export const isStreamNotFound = (error: unknown): boolean => errorType(error) === ErrorType.STREAM_NOT_FOUND;

/** The server refused an append's expected version: our ConcurrencyError, with the revision it found. */
export function concurrencyErrorFrom(
  error: WrongExpectedVersionError,
  stream: string,
  expected: string,
): ConcurrencyError {
  return new ConcurrencyError(stream, expected, fromCurrentRevision(error.actualState), { cause: error });
}

/**
 * Maps what the client reports to the store's errors. Transient failures become a retriable
 * UNAVAILABLE; a refused or misconfigured environment a final one; an append over the server's size
 * limit is the caller's INVALID_ARGUMENT. Anything else (a bug of ours) passes through unchanged.
 */
export function translateEsdbError(error: unknown, operation: string): unknown {
  if (error instanceof EventStoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (isTransientEsdbError(error)) {
    return new EventStoreError(
      'EVENT_STORE.UNAVAILABLE',
      `${operation}: EventStoreDB is unavailable (${message})`,
      true,
      { cause: error },
    );
  }
  switch (errorType(error)) {
    case ErrorType.ACCESS_DENIED:
    case ErrorType.STREAM_DELETED:
    case ErrorType.STREAM_TOMBSTONED:
    case ErrorType.UNSUPPORTED:
      return new EventStoreError('EVENT_STORE.UNAVAILABLE', `${operation}: ${message}`, false, { cause: error });
    case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED:
    case ErrorType.TRANSACTION_MAX_SIZE_EXCEEDED:
    case ErrorType.APPEND_RECORD_SIZE_EXCEEDED:
      return new EventStoreError(
        'EVENT_STORE.INVALID_ARGUMENT',
        `${operation}: the append exceeds the server's maximum size (${message})`,
        false,
        {
          cause: error,
        },
      );
    default:
      return error;
  }
}

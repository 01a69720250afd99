/** Error codes that cross process boundaries: namespaced strings, never renamed. */
export type EventStoreErrorCode =
  | 'EVENT_STORE.CONCURRENCY'
  | 'EVENT_STORE.IDEMPOTENCY'
  | 'EVENT_STORE.UNAVAILABLE'
  | 'EVENT_STORE.INVALID_ARGUMENT'
  | 'EVENT_STORE.CLOSED';

/** The one error base of the store: a code, whether a retry may help, and the cause. */
export class EventStoreError extends Error {
  override readonly name: string = 'EventStoreError';
  constructor(
    readonly code: EventStoreErrorCode,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Another writer appended to the stream first: re-read, decide again, retry. */
export class ConcurrencyError extends EventStoreError {
  override readonly name = 'ConcurrencyError';
  constructor(
    readonly stream: string,
    readonly expected: string,
    readonly actual: number,
    options?: { cause?: unknown },
  ) {
    super('EVENT_STORE.CONCURRENCY', `stream ${stream}: expected version ${expected}, found ${actual}`, true, options);
  }
}

/** Some, not all, of the appended event ids are already in the stream at other places. */
export class IdempotencyError extends EventStoreError {
  override readonly name = 'IdempotencyError';
  constructor(
    readonly stream: string,
    readonly eventId: string,
  ) {
    super(
      'EVENT_STORE.IDEMPOTENCY',
      `stream ${stream}: event ${eventId} was already appended with different neighbours`,
      false,
    );
  }
}

export const isConcurrencyError = (error: unknown): error is ConcurrencyError => error instanceof ConcurrencyError;

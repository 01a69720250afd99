import {
  AccessDeniedError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NO_STREAM,
  StreamNotFoundError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { ConcurrencyError, EventStoreError } from '../errors.js';
import {
  concurrencyErrorFrom,
  isConsistencyViolation,
  isStreamNotFound,
  isTransientEsdbError,
  isWrongExpectedVersion,
  translateEsdbError,
} from './esdb-error.js';

const wrongVersion = (current: bigint | typeof NO_STREAM) =>
  new WrongExpectedVersionError(undefined, { streamName: 'ticket-1', expected: 0n, current });

describe('EventStoreDB error mapping', () => {
  it('WrongExpectedVersionError becomes our ConcurrencyError with the revision found, -1 for no stream', () => {
    const moved = concurrencyErrorFrom(wrongVersion(3n), 'ticket-1', '0');
    expect(moved).toBeInstanceOf(ConcurrencyError);
    expect(moved).toMatchObject({
      code: 'EVENT_STORE.CONCURRENCY',
      retriable: true,
      stream: 'ticket-1',
      expected: '0',
      actual: 3,
    });
    expect(moved.cause).toBeInstanceOf(WrongExpectedVersionError);
    expect(concurrencyErrorFrom(wrongVersion(NO_STREAM), 'ticket-1', '0')).toMatchObject({ actual: -1 });
    expect(isWrongExpectedVersion(wrongVersion(1n))).toBe(true);
    expect(isWrongExpectedVersion(new UnavailableError())).toBe(false);
  });

  it('recognises a missing stream by the error type', () => {
    expect(isStreamNotFound(new StreamNotFoundError(undefined, 'ticket-1'))).toBe(true);
    expect(isStreamNotFound({ type: 'stream-not-found' })).toBe(true);
    expect(isStreamNotFound(new Error('stream-not-found'))).toBe(false);
  });

  it('treats unavailable, deadline, timeout and leader changes as transient, and maps them to a retriable UNAVAILABLE', () => {
    const transient = [
      new UnavailableError(undefined, '14 UNAVAILABLE: No connection established'),
      new DeadlineExceededError(),
      { type: 'timeout' },
      Object.assign(new Error('raw'), { code: 14 }),
    ];
    for (const error of transient) {
      expect(isTransientEsdbError(error)).toBe(true);
      const translated = translateEsdbError(error, 'readAll');
      expect(translated).toBeInstanceOf(EventStoreError);
      expect(translated).toMatchObject({ code: 'EVENT_STORE.UNAVAILABLE', retriable: true });
      expect((translated as Error).cause).toBe(error);
      expect((translated as Error).message).toMatch(/^readAll: EventStoreDB is unavailable/);
    }
    // NotLeaderError needs a gRPC error to construct: its type is what counts.
    expect(isTransientEsdbError({ type: 'not-leader' })).toBe(true);
  });

  it('treats INTERNAL (13) and DATA_LOSS (15) as transient, also as the UnknownError older clients made of them', () => {
    for (const code of [13, 15]) {
      expect(isTransientEsdbError(Object.assign(new UnknownError(undefined, `${code} failover`), { code }))).toBe(true);
      expect(isTransientEsdbError(Object.assign(new Error('raw'), { code }))).toBe(true);
    }
    // Other codes stay what they are: a bad request is not retried.
    expect(isTransientEsdbError(Object.assign(new UnknownError(undefined, '3 INVALID_ARGUMENT'), { code: 3 }))).toBe(
      false,
    );
  });

  it('recognises a refused multi-stream append by its type and violations', () => {
    expect(isConsistencyViolation({ type: 'append-consistency-violation', violations: [] })).toBe(true);
    expect(isConsistencyViolation({ type: 'append-consistency-violation' })).toBe(false);
    expect(isConsistencyViolation(wrongVersion(1n))).toBe(false);
  });

  it('maps a refused environment to a final UNAVAILABLE, an oversized append to INVALID_ARGUMENT, and passes the rest through', () => {
    expect(translateEsdbError(new AccessDeniedError(), 'append')).toMatchObject({
      code: 'EVENT_STORE.UNAVAILABLE',
      retriable: false,
    });
    expect(translateEsdbError(new MaxAppendSizeExceededError(undefined, 1024), 'append')).toMatchObject({
      code: 'EVENT_STORE.INVALID_ARGUMENT',
      retriable: false,
    });
    for (const error of [new UnknownError(undefined, 'boom'), wrongVersion(1n), new TypeError('ours')]) {
      expect(isTransientEsdbError(error)).toBe(false);
      expect(translateEsdbError(error, 'append')).toBe(error);
    }
    const already = new EventStoreError('EVENT_STORE.CLOSED', 'closed', false);
    expect(translateEsdbError(already, 'append')).toBe(already);
  });
});

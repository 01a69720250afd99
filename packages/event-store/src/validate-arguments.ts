import { EventStoreError } from './errors.js';
import type { ExpectedVersion, NewEvent, ReadAllOptions, ReadStreamOptions } from './event-store.port.js';

/** Events per `readAll` or `readChain` page when the caller does not say. */
export const DEFAULT_READ_ALL_COUNT = 1000;

/** Every adapter rejects bad arguments the same way, before touching storage. */
export function invalidArgument(message: string): EventStoreError {
  return new EventStoreError('EVENT_STORE.INVALID_ARGUMENT', message, false);
}

export function assertStreamName(stream: unknown): asserts stream is string {
  if (typeof stream !== 'string' || stream.length === 0)
    throw invalidArgument('stream name must be a non-empty string');
}

export function assertExpectedVersion(expected: unknown): asserts expected is ExpectedVersion {
  if (expected === 'no_stream' || expected === 'stream_exists' || expected === 'any') return;
  // -1 is accepted as the numeric spelling of "no event yet", the value ConcurrencyError reports.
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= -1) return;
  throw invalidArgument(
    `expected version must be no_stream, stream_exists, any or an integer >= -1, got ${String(expected)}`,
  );
}

/** Ids are what idempotency keys on, so one append must not hold the same id twice. */
export function assertNewEvents(stream: string, events: unknown): asserts events is readonly NewEvent[] {
  if (!Array.isArray(events)) throw invalidArgument(`stream ${stream}: events must be an array`);
  const ids = events.length > 1 ? new Set<string>() : undefined;
  for (const event of events as unknown[]) {
    if (typeof event !== 'object' || event === null)
      throw invalidArgument(`stream ${stream}: every event must be an object`);
    const { id, type, data } = event as Partial<NewEvent>;
    if (typeof id !== 'string' || id.length === 0)
      throw invalidArgument(`stream ${stream}: every event needs a non-empty id`);
    if (typeof type !== 'string' || type.length === 0)
      throw invalidArgument(`stream ${stream}: event ${id} needs a non-empty type`);
    if (data === undefined) throw invalidArgument(`stream ${stream}: event ${id} has no data`);
    if (ids !== undefined) {
      if (ids.has(id)) throw invalidArgument(`stream ${stream}: event id ${id} appears twice in one append`);
      ids.add(id);
    }
  }
}

/** A count of events to read: `undefined` keeps the default. */
export function countOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0)
    throw invalidArgument(`${name} must be a non-negative integer, got ${String(value)}`);
  return value;
}

export function positionOption(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || value < 0)
    throw invalidArgument(`${name} must be a non-negative integer, got ${String(value)}`);
  return value;
}

/** What `readStream`'s options ask for, checked alike by every adapter. */
export interface StreamRange {
  /** How many events at most; undefined: all of them. */
  readonly maxCount: number | undefined;
  readonly backwards: boolean;
  /** The first version read; undefined: the stream's start (forwards) or its end (backwards). */
  readonly fromVersion: number | undefined;
}

export function streamRangeOption(options: ReadStreamOptions): StreamRange {
  const { direction } = options;
  if (direction !== undefined && direction !== 'forwards' && direction !== 'backwards')
    throw invalidArgument(`direction must be forwards or backwards, got ${String(direction)}`);
  return {
    maxCount: options.maxCount === undefined ? undefined : countOption('maxCount', options.maxCount, 0),
    backwards: direction === 'backwards',
    fromVersion: options.fromVersion === undefined ? undefined : positionOption('fromVersion', options.fromVersion),
  };
}

/** The page `readAll` and `readChain` ask for: after which position, and how many events at most. */
export function pageOption(options: { readonly after?: number; readonly maxCount?: number }): {
  readonly after: number;
  readonly maxCount: number;
} {
  return {
    after: positionOption('after', options.after),
    maxCount: countOption('maxCount', options.maxCount, DEFAULT_READ_ALL_COUNT),
  };
}

/** An empty list filters nothing: a subscription that silently reads no stream would be a trap. */
export function streamPrefixesOption(prefixes: ReadAllOptions['streamPrefixes']): readonly string[] | undefined {
  if (prefixes === undefined || prefixes.length === 0) return undefined;
  for (const prefix of prefixes) {
    if (typeof prefix !== 'string' || prefix.length === 0)
      throw invalidArgument('stream prefixes must be non-empty strings');
  }
  return prefixes;
}

/** Serialises data or metadata up front, so a value JSON cannot hold fails as a bad argument. */
export function toJsonText(stream: string, eventId: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new EventStoreError(
      'EVENT_STORE.INVALID_ARGUMENT',
      `stream ${stream}: event ${eventId} is not JSON-serialisable`,
      false,
      { cause: error },
    );
  }
  if (text === undefined) throw invalidArgument(`stream ${stream}: event ${eventId} is not JSON-serialisable`);
  return text;
}

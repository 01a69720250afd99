import { decideAppend, isRepeatedRun } from '../append-decision.js';
import { eventHash } from '../chain/event-hash.js';
import { ConcurrencyError, IdempotencyError } from '../errors.js';
import type { ExpectedVersion, NewEvent } from '../event-store.port.js';
import { assertExpectedVersion, assertNewEvents, assertStreamName, toJsonText } from '../validate-arguments.js';

/** One append, validated and serialised before any connection is taken. */
export interface PreparedAppend {
  readonly stream: string;
  readonly expected: ExpectedVersion;
  readonly events: readonly NewEvent[];
  readonly metadata: readonly string[];
  readonly data: readonly string[];
}

export function prepareAppend(
  stream: string,
  events: readonly NewEvent[],
  expected: ExpectedVersion | undefined,
): PreparedAppend {
  assertStreamName(stream);
  assertNewEvents(stream, events);
  const expectedVersion = expected ?? 'any';
  assertExpectedVersion(expectedVersion);
  const metadata = new Array<string>(events.length);
  const data = new Array<string>(events.length);
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    metadata[i] = event.metadata === undefined ? '{}' : toJsonText(stream, event.id, event.metadata);
    data[i] = toJsonText(stream, event.id, event.data);
  }
  return { stream, expected: expectedVersion, events, metadata, data };
}

/** The last stored event of a stream, as read under the stream's lock. */
export interface StreamHead {
  readonly version: number;
  readonly position: number;
  /** Its chain hash; null when it was written before the chain. */
  readonly hash: string | null;
}

/** A stored event of the append's stream that carries one of the append's ids. */
export interface StoredId {
  readonly id: string;
  readonly version: number;
  readonly position: number;
}

/**
 * Whether deciding this append may need to compare its ids with stored ones: to tell a repeat of an
 * earlier append from a conflict. Only then are they fetched; exact versions that hold never need it.
 */
export function needsStoredIds(append: PreparedAppend, head: StreamHead | undefined): boolean {
  if (head === undefined) return false;
  return decideAppend(append.expected, head.version, append.events.length).kind === 'locate';
}

export interface PlannedRow {
  readonly stream: string;
  readonly version: number;
  readonly id: string;
  readonly type: string;
  readonly metadata: string;
  readonly data: string;
  /** Chain hash: the row after the stream's head, or after the previous row of the plan on the stream. */
  readonly hash: string;
}

/** Where a result's position comes from: a stored event, or a row of this plan once inserted. */
export type PositionSource = { readonly stored: number } | { readonly row: number };

export interface PlannedResult {
  readonly stream: string;
  readonly nextExpectedVersion: number;
  readonly duplicate: boolean;
  readonly position: PositionSource;
}

export interface AppendPlan {
  /** What to insert, in the order positions must be given. */
  readonly rows: readonly PlannedRow[];
  /** One per append, in the order of the appends. */
  readonly results: readonly PlannedResult[];
}

/** A stream as this call sees it: its stored head, then the rows earlier appends of the call add. */
class StreamTrack {
  readonly pendingIds: string[] = [];
  readonly pendingRows: number[] = [];
  constructor(
    readonly storedVersion: number,
    readonly storedPosition: number,
    /** The hash the next row chains to: the stored head's, then each pending row's. */
    public lastHash: string | null,
  ) {}

  get version(): number {
    return this.storedVersion + this.pendingIds.length;
  }

  get headPosition(): PositionSource {
    const row = this.pendingRows.at(-1);
    return row === undefined ? { stored: this.storedPosition } : { row };
  }
}

/**
 * Decides every append of one call against the streams' stored heads, exactly as the SQLite adapter
 * does inside its write transaction: later appends of the call see the rows of earlier ones. A repeated
 * append (same ids at the same revisions) becomes a duplicate result and writes nothing; a partial match
 * is an IdempotencyError; an expectation that does not hold is a ConcurrencyError, and nothing of the
 * call is written. `storedIds` holds, per append index, the stored events carrying its ids, for every
 * append for which `needsStoredIds` is true.
 */
export function planAppends(
  appends: readonly PreparedAppend[],
  heads: ReadonlyMap<string, StreamHead>,
  storedIds: ReadonlyMap<number, readonly StoredId[]>,
): AppendPlan {
  const rows: PlannedRow[] = [];
  const results: PlannedResult[] = [];
  const tracks = new Map<string, StreamTrack>();

  const insert = (append: PreparedAppend, track: StreamTrack): PlannedResult => {
    const { stream, events } = append;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      track.pendingRows.push(rows.length);
      track.pendingIds.push(event.id);
      const row = {
        stream,
        version: track.version,
        id: event.id,
        type: event.type,
        metadata: append.metadata[i]!,
        data: append.data[i]!,
      };
      track.lastHash = eventHash(track.lastHash, row);
      rows.push({ ...row, hash: track.lastHash });
    }
    return { stream, nextExpectedVersion: track.version, duplicate: false, position: track.headPosition };
  };

  for (let index = 0; index < appends.length; index++) {
    const append = appends[index]!;
    const { stream, expected, events } = append;
    let track = tracks.get(stream);
    if (track === undefined) {
      const head = heads.get(stream);
      track = new StreamTrack(head?.version ?? -1, head?.position ?? 0, head?.hash ?? null);
      tracks.set(stream, track);
    }
    const stored = needsStoredIds(append, heads.get(stream))
      ? storedIdsOf(storedIds, index)
      : new Map<string, StoredId[]>();
    const actual = track.version;
    const decision = decideAppend(expected, actual, events.length);
    if (decision.kind === 'conflict') throw new ConcurrencyError(stream, String(expected), actual);
    if (decision.kind === 'unchanged') {
      results.push({ stream, nextExpectedVersion: actual, duplicate: false, position: track.headPosition });
      continue;
    }
    if (decision.kind === 'write') {
      results.push(insert(append, track));
      continue;
    }
    if (decision.at !== 'first-id') {
      const duplicate = storedRun(append, decision.at, track, stored);
      if (duplicate === undefined) throw new ConcurrencyError(stream, String(expected), actual);
      results.push(duplicate);
      continue;
    }
    const found = firstVersionOf(events[0]!.id, track, stored);
    if (found === undefined) {
      results.push(insert(append, track));
      continue;
    }
    // The first id is stored, so this run is a repeat or part of one: never "different".
    const duplicate = storedRun(append, found, track, stored);
    if (duplicate === undefined) throw new IdempotencyError(stream, events[0]!.id);
    results.push(duplicate);
  }
  return { rows, results };
}

function storedIdsOf(storedIds: ReadonlyMap<number, readonly StoredId[]>, index: number): Map<string, StoredId[]> {
  const found = storedIds.get(index);
  if (found === undefined) throw new Error(`append ${index} needs its stored ids, but none were fetched`);
  const byId = new Map<string, StoredId[]>();
  for (const row of found) {
    const same = byId.get(row.id);
    if (same === undefined) byId.set(row.id, [row]);
    else same.push(row);
  }
  return byId;
}

/** The lowest revision holding `id`: stored events come before the rows this call adds. */
function firstVersionOf(
  id: string,
  track: StreamTrack,
  stored: ReadonlyMap<string, readonly StoredId[]>,
): number | undefined {
  const rows = stored.get(id);
  if (rows !== undefined && rows.length > 0) return Math.min(...rows.map((row) => row.version));
  const pending = track.pendingIds.indexOf(id);
  return pending === -1 ? undefined : track.storedVersion + 1 + pending;
}

/** The position of the event at `version` if it carries `id`; undefined when it does not (or is absent). */
function positionIfAt(
  version: number,
  id: string,
  track: StreamTrack,
  stored: ReadonlyMap<string, readonly StoredId[]>,
): PositionSource | undefined {
  if (version > track.version) return undefined;
  if (version <= track.storedVersion) {
    const row = stored.get(id)?.find((candidate) => candidate.version === version);
    return row === undefined ? undefined : { stored: row.position };
  }
  const pending = version - track.storedVersion - 1;
  return track.pendingIds[pending] === id ? { row: track.pendingRows[pending]! } : undefined;
}

/** The duplicate result when the events are in the stream from `fromVersion` on (append-decision.ts decides). */
function storedRun(
  append: PreparedAppend,
  fromVersion: number,
  track: StreamTrack,
  stored: ReadonlyMap<string, readonly StoredId[]>,
): PlannedResult | undefined {
  const { stream, events } = append;
  const ids = events.map((event) => event.id);
  const positions = ids.map((id, i) => positionIfAt(fromVersion + i, id, track, stored));
  const present = ids.map((id, i) => (positions[i] === undefined ? undefined : id));
  if (!isRepeatedRun(stream, ids, present)) return undefined;
  return {
    stream,
    nextExpectedVersion: fromVersion + events.length - 1,
    duplicate: true,
    position: positions.at(-1)!,
  };
}

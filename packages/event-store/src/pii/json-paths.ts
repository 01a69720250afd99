import type { Json } from '../event-store.port.js';

/**
 * A path into an event's `data`: dot-separated keys, `[]` after a key for every element of an array,
 * e.g. `customer.phone`, `commands[].data.to`, `evaluations[].conditions[].actual`.
 */
export type JsonPath = string;

type Slot = { readonly holder: Record<string, Json>; readonly key: string };
type Segment = { readonly key: string; readonly each: boolean };

/**
 * Paths parsed once (per event type, by the codec): walking them then splits no strings. `fresh`
 * says, per path and segment, whether the walk is the first through that node: an earlier path with
 * the same segments up to there (and going on past it, or taking every element of an array there)
 * has already put a copy in its place, which a later path may change without copying it again.
 */
export interface CompiledPaths {
  readonly segments: readonly (readonly Segment[])[];
  readonly fresh: readonly (readonly boolean[])[];
}

const parse = (path: JsonPath): readonly Segment[] =>
  path
    .split('.')
    .map((part) => (part.endsWith('[]') ? { key: part.slice(0, -2), each: true } : { key: part, each: false }));

const sameUpTo = (a: readonly Segment[], b: readonly Segment[], at: number): boolean => {
  for (let i = 0; i <= at; i++) if (a[i]?.key !== b[i]?.key || a[i]?.each !== b[i]?.each) return false;
  return true;
};

export const compilePaths = (paths: readonly JsonPath[]): CompiledPaths => {
  const segments = paths.map(parse);
  const fresh = segments.map((path, p) =>
    path.map(
      (_, at) =>
        !segments
          .slice(0, p)
          .some((earlier) => sameUpTo(earlier, path, at) && (at < earlier.length - 1 || earlier[at]!.each)),
    ),
  );
  return { segments, fresh };
};

const compiled = (paths: readonly JsonPath[] | CompiledPaths): CompiledPaths =>
  'segments' in paths ? paths : compilePaths(paths);

const isObject = (value: Json | undefined): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Every place the paths reach that holds a value (absent keys are skipped), in a fixed order: the
 * paths in the order given, array elements in index order. Sealing and opening walk the same paths
 * over the same structure, so the n-th value sealed is the n-th slot found when opening.
 */
export function slotsAt(data: Json, paths: readonly JsonPath[] | CompiledPaths): Slot[] {
  const slots: Slot[] = [];
  const walk = (node: Json | undefined, segments: readonly Segment[], at: number): void => {
    if (!isObject(node)) return;
    const segment = segments[at]!;
    const value = node[segment.key];
    if (value === undefined) return;
    const last = at === segments.length - 1;
    if (segment.each) {
      if (!Array.isArray(value)) return;
      if (last) {
        // Each element is a slot of its own: the array (a JSON object key) is the holder.
        value.forEach((_, index) =>
          slots.push({ holder: value as unknown as Record<string, Json>, key: String(index) }),
        );
      } else {
        for (const element of value) walk(element, segments, at + 1);
      }
      return;
    }
    if (last) slots.push({ holder: node, key: segment.key });
    else walk(value, segments, at + 1);
  };
  for (const segments of compiled(paths).segments) walk(data, segments, 0);
  return slots;
}

/**
 * A copy of `data` with the value of every slot the paths reach replaced by `placeholder`, and those
 * values in slot order (the order `slotsAt` finds them in). Only the objects and arrays on the way
 * to a slot are copied; `data` itself is never changed (callers keep what they appended).
 */
export function sealedCopy(
  data: Json,
  paths: readonly JsonPath[] | CompiledPaths,
  placeholder: Json,
): { data: Json; values: Json[] } {
  const values: Json[] = [];
  return { data: sealInto(data, compiled(paths), placeholder, values), values };
}

/**
 * `sealedCopy` for the codec's write path: the values are pushed to `values`, and the copy (or `data`
 * itself when no path reaches a value) is returned. The walk is a plain function over the compiled
 * paths (no closures, no list of the copies made: `fresh` tells where a copy is already in place),
 * as it runs for every event appended with personal data.
 */
export function sealInto(data: Json, paths: CompiledPaths, placeholder: Json, values: Json[]): Json {
  if (!isObject(data)) return data;
  const before = values.length;
  const root = { ...data };
  const { segments, fresh } = paths;
  for (let p = 0; p < segments.length; p++) sealWalk(root, segments[p]!, fresh[p]!, 0, placeholder, values);
  return values.length === before ? data : root;
}

function sealWalk(
  node: Record<string, Json>,
  segments: readonly Segment[],
  fresh: readonly boolean[],
  at: number,
  placeholder: Json,
  values: Json[],
): void {
  const segment = segments[at]!;
  const value = node[segment.key];
  if (value === undefined) return;
  const last = at === segments.length - 1;
  if (segment.each) {
    if (!Array.isArray(value)) return;
    const array = fresh[at] === true ? value.slice() : value;
    node[segment.key] = array;
    for (let i = 0; i < array.length; i++) {
      const element = array[i]!;
      if (last) {
        values.push(element);
        array[i] = placeholder;
      } else if (isObject(element)) {
        const child = fresh[at] === true ? { ...element } : element;
        array[i] = child;
        sealWalk(child, segments, fresh, at + 1, placeholder, values);
      }
    }
    return;
  }
  if (last) {
    values.push(value);
    node[segment.key] = placeholder;
  } else if (isObject(value)) {
    const child = fresh[at] === true ? { ...value } : value;
    node[segment.key] = child;
    sealWalk(child, segments, fresh, at + 1, placeholder, values);
  }
}

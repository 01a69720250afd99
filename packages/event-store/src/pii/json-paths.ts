import type { Json } from '../event-store.port.js';

/**
 * A path into an event's `data`: dot-separated keys, `[]` after a key for every element of an array,
 * e.g. `customer.phone`, `commands[].data.to`, `evaluations[].conditions[].actual`.
 */
export type JsonPath = string;

type Slot = { readonly holder: Record<string, Json>; readonly key: string };
type Segment = { readonly key: string; readonly each: boolean };

/** Paths parsed once (per event type, by the codec): walking them then splits no strings. */
export interface CompiledPaths {
  readonly segments: readonly (readonly Segment[])[];
}

const parse = (path: JsonPath): readonly Segment[] =>
  path
    .split('.')
    .map((part) => (part.endsWith('[]') ? { key: part.slice(0, -2), each: true } : { key: part, each: false }));

export const compilePaths = (paths: readonly JsonPath[]): CompiledPaths => ({ segments: paths.map(parse) });

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
  if (!isObject(data)) return { data, values };
  // The copies made so far: a copy is put in place of its original at once, so a later path through
  // the same object meets the copy. A handful per event: a list beats a Set and a Map here.
  const owned: object[] = [];
  const own = <T extends object>(node: T): T => {
    if (owned.includes(node)) return node;
    const copy = (Array.isArray(node) ? node.slice() : { ...node }) as T;
    owned.push(copy);
    return copy;
  };
  const walk = (node: Record<string, Json>, segments: readonly Segment[], at: number): void => {
    const segment = segments[at]!;
    const value = node[segment.key];
    if (value === undefined) return;
    const last = at === segments.length - 1;
    if (segment.each) {
      if (!Array.isArray(value)) return;
      const array = own(value);
      node[segment.key] = array;
      for (let i = 0; i < array.length; i++) {
        const element = array[i]!;
        if (last) {
          values.push(element);
          array[i] = placeholder;
        } else if (isObject(element)) {
          const child = own(element);
          array[i] = child;
          walk(child, segments, at + 1);
        }
      }
      return;
    }
    if (last) {
      values.push(value);
      node[segment.key] = placeholder;
    } else if (isObject(value)) {
      const child = own(value);
      node[segment.key] = child;
      walk(child, segments, at + 1);
    }
  };
  const root = own(data);
  for (const segments of compiled(paths).segments) walk(root, segments, 0);
  return { data: root, values };
}

import type { Json } from '../event-store.port.js';

/**
 * A path into an event's `data`: dot-separated keys, `[]` after a key for every element of an array,
 * e.g. `customer.phone`, `commands[].data.to`, `evaluations[].conditions[].actual`.
 */
export type JsonPath = string;

type Slot = { readonly holder: Record<string, Json>; readonly key: string };

const segmentsOf = new Map<JsonPath, readonly { key: string; each: boolean }[]>();
const parse = (path: JsonPath) => {
  let segments = segmentsOf.get(path);
  if (segments === undefined) {
    segments = path.split('.').map((part) => (part.endsWith('[]') ? { key: part.slice(0, -2), each: true } : { key: part, each: false }));
    segmentsOf.set(path, segments);
  }
  return segments;
};

const isObject = (value: Json | undefined): value is Record<string, Json> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Every place the paths reach that holds a value (absent keys are skipped), in a fixed order: the
 * paths in the order given, array elements in index order. Sealing and opening walk the same paths
 * over the same structure, so the n-th value sealed is the n-th slot found when opening.
 */
export function slotsAt(data: Json, paths: readonly JsonPath[]): Slot[] {
  const slots: Slot[] = [];
  const walk = (node: Json | undefined, segments: readonly { key: string; each: boolean }[], at: number): void => {
    if (!isObject(node)) return;
    const segment = segments[at]!;
    const value = node[segment.key];
    if (value === undefined) return;
    const last = at === segments.length - 1;
    if (segment.each) {
      if (!Array.isArray(value)) return;
      if (last) {
        // Each element is a slot of its own: the array (a JSON object key) is the holder.
        value.forEach((_, index) => slots.push({ holder: value as unknown as Record<string, Json>, key: String(index) }));
      } else {
        for (const element of value) walk(element, segments, at + 1);
      }
      return;
    }
    if (last) slots.push({ holder: node, key: segment.key });
    else walk(value, segments, at + 1);
  };
  for (const path of paths) walk(data, parse(path), 0);
  return slots;
}

import type { RejectionReason } from './validate-inbound.js';

/**
 * Deepest nesting an inbound event may have. The contract needs 4 levels; CloudEvents extension
 * attributes are kept as received, and JSON nested thousands deep makes serialisation (recursive in
 * every engine and driver) overflow the stack when the event is stored.
 */
export const MAX_JSON_DEPTH = 32;

// In a `u` regular expression a surrogate pair is one code point: only lone surrogates match.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * What makes a parsed JSON value unfit to be stored, whatever the schema says of it: nesting deeper
 * than MAX_JSON_DEPTH, or text that is not well-formed Unicode (a lone UTF-16 surrogate, which JSON's
 * `\uD800` escapes allow but UTF-8 cannot encode: two different ids would be stored, and hashed, as the
 * same replacement character). Iterative, so hostile depth cannot overflow the stack here either.
 */
export function jsonShapeProblem(value: unknown): RejectionReason | null {
  // Breadth first: the shallowest problem is the one named, e.g. `id` before `data.message.id`.
  const pending: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  for (let next = 0; next < pending.length; next++) {
    const item = pending[next]!;
    const { path, depth } = item;
    if (typeof item.value === 'string') {
      if (LONE_SURROGATE.test(item.value))
        return {
          path: path || '(event)',
          message: 'text is not well-formed Unicode (lone surrogate)',
          code: 'invalid_unicode',
        };
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (depth >= MAX_JSON_DEPTH)
      return { path: path || '(event)', message: `nested deeper than ${MAX_JSON_DEPTH} levels`, code: 'too_deep' };
    if (Array.isArray(item.value)) {
      item.value.forEach((child, i) => pending.push({ value: child, path: `${path}[${i}]`, depth: depth + 1 }));
      continue;
    }
    for (const [key, child] of Object.entries(item.value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (LONE_SURROGATE.test(key))
        return { path: childPath, message: 'key is not well-formed Unicode (lone surrogate)', code: 'invalid_unicode' };
      pending.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return null;
}

/**
 * Deep equality of JSON values, key order ignored: a command read back from the store and one built
 * in memory are the same command whatever order their keys were written in.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  const left = Object.entries(a).filter(([, v]) => v !== undefined);
  const right = b as Record<string, unknown>;
  const rightKeys = Object.keys(right).filter((k) => right[k] !== undefined);
  return left.length === rightKeys.length && left.every(([k, v]) => jsonEqual(v, right[k]));
}

export interface JsonDifference {
  /** `data.commands[0].data.body`: where the two values part. */
  readonly path: string;
  readonly stored: unknown;
  readonly redecided: unknown;
}

const member = (path: string, key: string): string =>
  /^[A-Za-z_$][\w$]*$/.test(key) ? (path === '' ? key : `${path}.${key}`) : `${path}[${JSON.stringify(key)}]`;

/**
 * Every place two JSON values differ, as deep as they both are objects or arrays of the same length
 * (undefined members count as absent, as JSON drops them): what verify prints per field.
 */
export function jsonDifferences(stored: unknown, redecided: unknown, path = ''): JsonDifference[] {
  if (jsonEqual(stored, redecided)) return [];
  const objects = typeof stored === 'object' && typeof redecided === 'object' && stored !== null && redecided !== null;
  if (!objects || Array.isArray(stored) !== Array.isArray(redecided))
    return [{ path, stored: stored ?? null, redecided: redecided ?? null }];
  if (Array.isArray(stored) && Array.isArray(redecided)) {
    if (stored.length !== redecided.length) return [{ path, stored, redecided }];
    return stored.flatMap((item, i) => jsonDifferences(item, redecided[i], `${path}[${i}]`));
  }
  const left = stored as Record<string, unknown>;
  const right = redecided as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])];
  return keys.flatMap((key) => jsonDifferences(left[key], right[key], member(path, key)));
}

import { quotedSchema, type PostgresPool } from '@tickets/event-store/postgres';

// What the direct readers of a PostgreSQL events table share (what-if: postgres-history.ts, verify:
// postgres-verify-plan.ts), as sqlite-stored.ts is for a SQLite file: the statements' rows, their
// order, and whether a schema holds a table of a layout they know.

/** The event table layouts these readers know (the event store's migration version). */
const KNOWN_SCHEMAS: ReadonlySet<number> = new Set([1, 2]);

const versionOf = (schema: string): string =>
  `SELECT coalesce(max(version), 0) AS version FROM ${quotedSchema(schema)}.schema_migrations WHERE component = 'event-store'`;

/** Rows as arrays: no key object per row. */
export async function rows<T>(pool: PostgresPool, text: string, values: readonly unknown[]): Promise<T[]> {
  return (await pool.query({ text, values: [...values], rowMode: 'array' })).rows as T[];
}

/**
 * Rows in position order (their first value). The statements ask for no order: the server then reads
 * a range as it lies on disk, which is position order for an append-only table, and computes each
 * row's values once. With ORDER BY and no statistics yet (a table never analysed) it chose to compute
 * them all, sort the whole range on disk, and keep a page: ~1 s a page on a store of 356k events.
 */
export function inPositionOrder<T extends readonly [number, ...unknown[]]>(found: T[]): T[] {
  for (let i = 1; i < found.length; i++) if (found[i]![0] < found[i - 1]![0]) return found.sort((a, b) => a[0] - b[0]);
  return found;
}

/** Whether `schema` holds an events table of a layout the direct readers know. */
export async function isKnownEventTable(pool: PostgresPool, schema: string): Promise<boolean> {
  try {
    const version = (await rows<[number]>(pool, versionOf(schema), []))[0]?.[0];
    return version !== undefined && KNOWN_SCHEMAS.has(version);
  } catch (error) {
    // No migrations table: not an event store these readers know (the port says what is wrong).
    if ((error as { code?: unknown }).code === '42P01') return false;
    throw error;
  }
}

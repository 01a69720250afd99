import { invalidArgument } from '../validate-arguments.js';

/** The schema the adapters use when none is given. */
export const DEFAULT_SCHEMA = 'tickets';

// Lower-case letters, digits and `_`, starting with a letter or `_`: such a name never needs quoting
// rules of its own, and short enough that `<schema>_events` stays within PostgreSQL's 63-byte names.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

/**
 * Validates a schema name before it is spliced into SQL (identifiers cannot be bind parameters), and
 * returns it double-quoted.
 */
export function quotedSchema(schema: string): string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw invalidArgument(`schema must match ${SCHEMA_NAME.source}, got ${JSON.stringify(schema)}`);
  }
  return `"${schema}"`;
}

/** The LISTEN/NOTIFY channel of a schema's event table: one per schema, so stores never wake each other. */
export const commitChannel = (schema: string): string => `${schema}_events`;

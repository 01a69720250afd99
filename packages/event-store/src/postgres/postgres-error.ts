import { EventStoreError } from '../errors.js';

/** SQLSTATE codes, or classes as two characters, of a lost connection or a server going down. */
const CONNECTION_STATES = new Set([
  '08', // connection exception
  '57P01', // admin shutdown (pg_terminate_backend)
  '57P02', // crash shutdown
  '57P03', // cannot connect now (starting up, in recovery)
]);

/** The server is there but busy or short of something: a later attempt may succeed. */
const BUSY_STATES = new Set([
  '53', // insufficient resources (e.g. too many connections)
  '57014', // query canceled (statement timeout)
  '40001', // serialization failure
  '40P01', // deadlock detected
  '55P03', // lock not available
]);

/** Configuration problems: the server answers, but a retry will not change its answer. */
const ENVIRONMENT_STATES = new Set([
  '28', // invalid authorization
  '3D000', // database does not exist
  '42501', // insufficient privilege
]);

/** Node socket errors that mean the server cannot be reached right now. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** node-postgres reports a lost connection with these messages and no code. */
const LOST_CONNECTION =
  /Connection terminated|connection error and is not queryable|Client was closed|timeout exceeded when trying to connect|Connection ended/i;

const codeOf = (error: unknown): string | undefined => {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? code : undefined;
};

const sqlState = (error: unknown): string | undefined => {
  const code = codeOf(error);
  return code !== undefined && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

const inSet = (set: ReadonlySet<string>, state: string): boolean => set.has(state) || set.has(state.slice(0, 2));

/**
 * The link to the server broke (or never came up): the connection is unusable, and whether a statement
 * in flight took effect is unknown.
 */
export function isConnectionFailure(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  const state = sqlState(error);
  if (state !== undefined) return inSet(CONNECTION_STATES, state);
  return error instanceof Error && LOST_CONNECTION.test(error.message);
}

/**
 * The transaction was rolled back as a whole and running it again is safe: a deadlock, a serialization
 * failure, or a unique (stream, version) clash with a writer that bypassed this adapter's locks.
 */
export function isRetriableTransactionFailure(error: unknown): boolean {
  const state = sqlState(error);
  return state === '40P01' || state === '40001' || state === '23505';
}

/**
 * Maps what node-postgres reports to the store's errors: a lost, refusing or busy server is a retriable
 * UNAVAILABLE, a refused login or missing database a non-retriable one, bad data an INVALID_ARGUMENT.
 * Anything else (a bug of ours) passes through unchanged.
 */
export function translatePostgresError(error: unknown, operation: string): unknown {
  if (error instanceof EventStoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const state = sqlState(error);
  if (isConnectionFailure(error) || (state !== undefined && inSet(BUSY_STATES, state))) {
    return new EventStoreError(
      'EVENT_STORE.UNAVAILABLE',
      `${operation}: PostgreSQL is unavailable (${message})`,
      true,
      { cause: error },
    );
  }
  if (state === undefined) return error;
  if (inSet(ENVIRONMENT_STATES, state)) {
    return new EventStoreError('EVENT_STORE.UNAVAILABLE', `${operation}: ${message}`, false, { cause: error });
  }
  // Data exceptions (e.g. a NUL character in a name) and limits (a key too large for its index).
  if (state.startsWith('22') || state === '54000') {
    return new EventStoreError('EVENT_STORE.INVALID_ARGUMENT', `${operation}: ${message}`, false, { cause: error });
  }
  return error;
}

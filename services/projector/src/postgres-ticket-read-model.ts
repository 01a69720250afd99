import type { TicketState } from '@tickets/domain';
import { ConcurrencyError } from '@tickets/event-store';
import {
  checkOut,
  DEFAULT_SCHEMA,
  openPostgresPool,
  quotedSchema,
  runMigrations,
  translatePostgresError,
  uniqueApplicationName,
} from '@tickets/event-store/postgres';
import type { Connection, PostgresPool } from '@tickets/event-store/postgres';
import type { TicketReadModel } from './ticket-read-model.port.js';
import { upgradeState } from './upgrade-state.js';

export interface PostgresTicketReadModelOptions {
  readonly url: string;
  /** Schema of the tables; the event store's by default, so both can live in one database. */
  readonly schema?: string;
  /** The caller's pool, left open by `close()`. */
  readonly pool?: PostgresPool;
  /** Size of the pool this read model opens (not used with `pool`). Default 4. */
  readonly maxConnections?: number;
}

const SUBSCRIBER = 'projector';
/** Rows per upsert statement: a rebuild commits every ticket at once, in statements of bounded size. */
const ROWS_PER_STATEMENT = 2_000;

/**
 * Step 1. Ids compare bytewise (COLLATE "C"), so `all()` and `byCustomer()` order ties exactly as the
 * SQLite read model does, whatever the server's collation. `state` is the JSON text as written (never
 * queried inside, like the events' data). The customer index also holds `ticket_id`, the tie-breaker,
 * so a customer's tickets come out of the index already in order.
 */
const steps = (schema: string): readonly (readonly string[])[] => {
  const s = quotedSchema(schema);
  return [
    [
      `CREATE TABLE ${s}.ticket_states (
         ticket_id   text COLLATE "C" PRIMARY KEY,
         customer_id text COLLATE "C" NOT NULL,
         created_at  timestamptz NOT NULL,
         state       text NOT NULL
       )`,
      `CREATE INDEX ticket_states_customer ON ${s}.ticket_states (customer_id, created_at, ticket_id)`,
      `CREATE TABLE ${s}.projection_checkpoints (name text COLLATE "C" PRIMARY KEY, position bigint NOT NULL)`,
    ],
    // Step 2. The timers' due-time index: one row per ticket with a pending timer (docs/timers.md).
    [
      `CREATE TABLE ${s}.ticket_timers (
         ticket_id   text COLLATE "C" PRIMARY KEY,
         customer_id text COLLATE "C" NOT NULL,
         next_due_at timestamptz NOT NULL
       )`,
      `CREATE INDEX ticket_timers_due ON ${s}.ticket_timers (next_due_at)`,
    ],
  ];
};

const parse = (row: [string]): TicketState => upgradeState(JSON.parse(row[0]) as TicketState);

/**
 * The ticket read model in PostgreSQL, beside the events by default. The rows of a batch and the
 * checkpoint commit in one transaction, so a restart resumes exactly after what the rows hold.
 */
export async function createPostgresTicketReadModel(options: PostgresTicketReadModelOptions): Promise<TicketReadModel> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const s = quotedSchema(schema);
  const pool =
    options.pool ??
    openPostgresPool({
      url: options.url,
      applicationName: uniqueApplicationName('tickets-read-model'),
      maxConnections: options.maxConnections ?? 4,
    });
  const ownsPool = options.pool === undefined;
  try {
    await runMigrations(pool, { schema, component: 'ticket-read-model', steps: steps(schema) });
  } catch (error) {
    if (ownsPool) await pool.end().catch(() => undefined);
    throw translatePostgresError(error, 'open read model');
  }

  const named = (key: string, text: string) => ({ name: `trm_${schema}_${key}`, text });
  const sql = {
    upsert: named(
      'up',
      `INSERT INTO ${s}.ticket_states (ticket_id, customer_id, created_at, state)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[])
       ON CONFLICT (ticket_id) DO UPDATE SET customer_id = excluded.customer_id, state = excluded.state`,
    ),
    upsertDue: named(
      'ud',
      `INSERT INTO ${s}.ticket_timers (ticket_id, customer_id, next_due_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
       ON CONFLICT (ticket_id) DO UPDATE SET customer_id = excluded.customer_id, next_due_at = excluded.next_due_at`,
    ),
    deleteDue: named('dd', `DELETE FROM ${s}.ticket_timers WHERE ticket_id = ANY($1::text[])`),
    selectDue: named(
      'sd',
      `SELECT customer_id, MIN(next_due_at) AS due FROM ${s}.ticket_timers WHERE next_due_at <= $1
       GROUP BY customer_id ORDER BY due, customer_id LIMIT $2`,
    ),
    saveCheckpoint: named(
      'sc',
      `INSERT INTO ${s}.projection_checkpoints (name, position) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
    ),
    loadCheckpoint: named('lc', `SELECT position FROM ${s}.projection_checkpoints WHERE name = $1`),
    // The fence: the row exists (0 until the first commit) and is locked until this commit ends, so two
    // writers expecting the same checkpoint are serialised and the second sees the first's.
    ensureCheckpoint: named(
      'ec',
      `INSERT INTO ${s}.projection_checkpoints (name, position) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING`,
    ),
    lockCheckpoint: named('kc', `SELECT position FROM ${s}.projection_checkpoints WHERE name = $1 FOR UPDATE`),
    selectMany: named('sm', `SELECT state, ticket_id FROM ${s}.ticket_states WHERE ticket_id = ANY($1::text[])`),
    selectByCustomer: named(
      'sb',
      `SELECT state FROM ${s}.ticket_states WHERE customer_id = $1 ORDER BY created_at, ticket_id`,
    ),
    selectAll: named('sa', `SELECT state FROM ${s}.ticket_states ORDER BY created_at, ticket_id`),
    selectIds: named('si', `SELECT ticket_id FROM ${s}.ticket_states ORDER BY created_at, ticket_id`),
  };

  let closed = false;
  const usable = (): void => {
    if (closed) throw new Error('the ticket read model is closed');
  };
  const query = async <Row extends unknown[]>(
    operation: string,
    statement: { name: string; text: string },
    values: unknown[],
  ): Promise<Row[]> => {
    usable();
    try {
      return (await pool.query<Row>({ ...statement, values, rowMode: 'array' })).rows;
    } catch (error) {
      throw translatePostgresError(error, operation);
    }
  };
  /** Runs `work` in one transaction on one connection; a connection that failed is not pooled again. */
  const transaction = async (
    operation: string,
    work: (client: Connection['client']) => Promise<void>,
  ): Promise<void> => {
    usable();
    let connection: Connection;
    try {
      connection = await checkOut(pool);
    } catch (error) {
      throw translatePostgresError(error, operation);
    }
    try {
      await connection.client.query('BEGIN');
      await work(connection.client);
      await connection.client.query('COMMIT');
      connection.release(false);
    } catch (error) {
      await connection.client.query('ROLLBACK').then(
        () => connection.release(false),
        () => connection.release(true),
      );
      throw translatePostgresError(error, operation);
    }
  };

  return {
    async checkpoint() {
      const [row] = await query<[string]>('load checkpoint', sql.loadCheckpoint, [SUBSCRIBER]);
      return Number(row?.[0] ?? 0);
    },
    async commit(rows, checkpoint, expected) {
      // One row per ticket, the last one given winning, as successive upserts would leave it
      // (a single INSERT … ON CONFLICT may not touch a row twice).
      const latest = [...new Map(rows.map((row) => [row.ticketId, row])).values()];
      await transaction('commit read model', async (client) => {
        if (expected !== undefined) {
          await client.query({ ...sql.ensureCheckpoint, values: [SUBSCRIBER] });
          const locked = await client.query<[string]>({
            ...sql.lockCheckpoint,
            values: [SUBSCRIBER],
            rowMode: 'array',
          });
          const stored = Number(locked.rows[0]?.[0] ?? 0);
          if (stored !== expected)
            throw new ConcurrencyError(`read model checkpoint ${SUBSCRIBER}`, String(expected), stored);
        }
        for (let start = 0; start < latest.length; start += ROWS_PER_STATEMENT) {
          const chunk = latest.slice(start, start + ROWS_PER_STATEMENT);
          await client.query({
            ...sql.upsert,
            values: [
              chunk.map((row) => row.ticketId),
              chunk.map((row) => row.customer.id),
              chunk.map((row) => row.createdAt),
              chunk.map((row) => JSON.stringify(row)),
            ],
          });
          const due = chunk.filter((row) => (row.timers?.length ?? 0) > 0);
          const none = chunk.filter((row) => (row.timers?.length ?? 0) === 0);
          if (due.length > 0) {
            await client.query({
              ...sql.upsertDue,
              values: [
                due.map((row) => row.ticketId),
                due.map((row) => row.customer.id),
                due.map((row) => row.timers![0]!.dueAt),
              ],
            });
          }
          if (none.length > 0) await client.query({ ...sql.deleteDue, values: [none.map((row) => row.ticketId)] });
        }
        await client.query({ ...sql.saveCheckpoint, values: [SUBSCRIBER, checkpoint] });
      });
    },
    async get(ticketId) {
      const [row] = await query<[string]>('get ticket', sql.selectMany, [[ticketId]]);
      return row === undefined ? null : parse(row);
    },
    async getMany(ticketIds) {
      const found = new Map<string, TicketState>();
      if (ticketIds.length === 0) return found;
      for (const [state, ticketId] of await query<[string, string]>('get tickets', sql.selectMany, [
        [...new Set(ticketIds)],
      ])) {
        found.set(ticketId, upgradeState(JSON.parse(state) as TicketState));
      }
      return found;
    },
    async byCustomer(customerId) {
      return (await query<[string]>('tickets of a customer', sql.selectByCustomer, [customerId])).map(parse);
    },
    async all() {
      return (await query<[string]>('all tickets', sql.selectAll, [])).map(parse);
    },
    async ticketIds() {
      return (await query<[string]>('all ticket ids', sql.selectIds, [])).map((row) => row[0]);
    },
    async dueCustomers(until, limit) {
      return (await query<[string, unknown]>('due timers', sql.selectDue, [until, limit])).map((row) => row[0]);
    },
    async scrub() {
      // Updated rows leave dead tuples until VACUUM reuses their space; VACUUM FULL rewrites the table
      // but locks it, so it is left to operators (docs/security.md: erasure).
    },
    async reset() {
      await transaction('reset read model', async (client) => {
        await client.query(`TRUNCATE ${s}.ticket_states, ${s}.ticket_timers, ${s}.projection_checkpoints`);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      if (ownsPool) await pool.end();
    },
  };
}

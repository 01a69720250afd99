import type { TicketState } from '@tickets/domain';
import { ConcurrencyError } from '@tickets/event-store';
import { openSqlite } from '@tickets/event-store/sqlite';
import type { TicketReadModel } from './ticket-read-model.port.js';
import { upgradeState } from './upgrade-state.js';

const SUBSCRIBER = 'projector';
/** Ticket ids looked up per statement by `getMany`. */
const IDS_PER_STATEMENT = 500;

/** The ticket read model in SQLite, in the same file as the events by default. */
export function createSqliteTicketReadModel(options: { path: string }): TicketReadModel {
  const db = openSqlite(options.path);
  // Overwritten or deleted rows are zeroed on disk, not just unlinked: an erased customer's plaintext
  // must not survive in free pages of the file.
  db.exec(`
    PRAGMA secure_delete = ON;
    CREATE TABLE IF NOT EXISTS ticket_states (
      ticket_id   TEXT PRIMARY KEY,
      customer_id TEXT NOT NULL,
      created_at  TEXT NOT NULL,
      state       TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS ticket_states_customer ON ticket_states (customer_id, created_at);
    CREATE TABLE IF NOT EXISTS ticket_timers (
      ticket_id   TEXT PRIMARY KEY,
      customer_id TEXT NOT NULL,
      next_due_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS ticket_timers_due ON ticket_timers (next_due_at);
    CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
  `);
  const upsert = db.prepare(
    `INSERT INTO ticket_states (ticket_id, customer_id, created_at, state) VALUES (?, ?, ?, ?)
     ON CONFLICT (ticket_id) DO UPDATE SET customer_id = excluded.customer_id, state = excluded.state`,
  );
  // The due-time index: one row per ticket with a pending timer, its next due time (UTC text sorts as time).
  const upsertDue = db.prepare(
    `INSERT INTO ticket_timers (ticket_id, customer_id, next_due_at) VALUES (?, ?, ?)
     ON CONFLICT (ticket_id) DO UPDATE SET customer_id = excluded.customer_id, next_due_at = excluded.next_due_at`,
  );
  const deleteDue = db.prepare('DELETE FROM ticket_timers WHERE ticket_id = ?');
  const selectDue = db.prepare(
    `SELECT customer_id, MIN(next_due_at) AS due FROM ticket_timers WHERE next_due_at <= ?
     GROUP BY customer_id ORDER BY due, customer_id LIMIT ?`,
  );
  const saveCheckpoint = db.prepare(
    `INSERT INTO projection_checkpoints (name, position) VALUES (?, ?)
     ON CONFLICT (name) DO UPDATE SET position = excluded.position`,
  );
  const loadCheckpoint = db.prepare('SELECT position FROM projection_checkpoints WHERE name = ?');
  const selectOne = db.prepare('SELECT state FROM ticket_states WHERE ticket_id = ?');
  // Ids in order, a chunk per statement: one call into SQLite per 500 ids, each looked up near the one
  // before it in the key's index. A statement per id took ~1.6× the CPU for a verify shard's ~4,400
  // tickets of a 1M store (docs/benchmarks.md, 2026-12-07).
  const selectMany = db.prepare(
    'SELECT ticket_id, state FROM ticket_states WHERE ticket_id IN (SELECT value FROM json_each(?)) ORDER BY ticket_id',
  );
  selectMany.setReturnArrays(true);
  const selectByCustomer = db.prepare(
    'SELECT state FROM ticket_states WHERE customer_id = ? ORDER BY created_at, ticket_id',
  );
  const selectAll = db.prepare('SELECT state FROM ticket_states ORDER BY created_at, ticket_id');
  const selectIds = db.prepare('SELECT ticket_id FROM ticket_states ORDER BY created_at, ticket_id');
  selectIds.setReturnArrays(true);

  const parseState = (text: string): TicketState => upgradeState(JSON.parse(text) as TicketState);
  const parse = (row: unknown): TicketState => parseState((row as { state: string }).state);

  return {
    async checkpoint() {
      const row = loadCheckpoint.get(SUBSCRIBER) as { position: number } | undefined;
      return row?.position ?? 0;
    },
    async commit(rows, checkpoint, expected) {
      db.exec('BEGIN IMMEDIATE');
      try {
        if (expected !== undefined) {
          const stored = (loadCheckpoint.get(SUBSCRIBER) as { position: number } | undefined)?.position ?? 0;
          if (stored !== expected)
            throw new ConcurrencyError(`read model checkpoint ${SUBSCRIBER}`, String(expected), stored);
        }
        for (const row of rows) {
          upsert.run(row.ticketId, row.customer.id, row.createdAt, JSON.stringify(row));
          const next = row.timers?.[0]?.dueAt;
          if (next === undefined) deleteDue.run(row.ticketId);
          else upsertDue.run(row.ticketId, row.customer.id, next);
        }
        saveCheckpoint.run(SUBSCRIBER, checkpoint);
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
    async get(ticketId) {
      const row = selectOne.get(ticketId);
      return row === undefined ? null : parse(row);
    },
    async getMany(ticketIds) {
      const found = new Map<string, TicketState>();
      const ids = [...new Set(ticketIds)].sort();
      for (let from = 0; from < ids.length; from += IDS_PER_STATEMENT) {
        const chunk = JSON.stringify(ids.slice(from, from + IDS_PER_STATEMENT));
        for (const row of selectMany.all(chunk)) {
          const [ticketId, state] = row as unknown as [string, string];
          found.set(ticketId, parseState(state));
        }
      }
      return found;
    },
    async byCustomer(customerId) {
      return selectByCustomer.all(customerId).map(parse);
    },
    async all() {
      return selectAll.all().map(parse);
    },
    async ticketIds() {
      return selectIds.all().map((row) => (row as unknown as [string])[0]);
    },
    async dueCustomers(until, limit) {
      return selectDue.all(until, limit).map((row) => (row as { customer_id: string }).customer_id);
    },
    async reset() {
      db.exec(
        'BEGIN IMMEDIATE; DELETE FROM ticket_states; DELETE FROM ticket_timers; DELETE FROM projection_checkpoints; COMMIT',
      );
    },
    async scrub() {
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    },
    async close() {
      db.close();
    },
  };
}

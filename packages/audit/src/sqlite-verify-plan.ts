import { DatabaseSync } from 'node:sqlite';
import { HeadHash, type HeadProof } from '@tickets/event-store';
import {
  CREATED_REACH,
  hasReachIndexes,
  INBOUND_REACH,
  indexDefinitions,
  reachIndexQuery,
} from '@tickets/streams/reach-indexes';
import {
  ByCustomer,
  PlanBuilder,
  shardOfCustomer,
  shardOfRow,
  shardOfStream,
  type FoundHead,
  type VerifyPlan,
} from './verify-plan.js';

// The plan of a SQLite file (verify-plan.ts). A file with the reach indexes is planned from them and
// from the (stream, version) index: ~4 GB of rows at 1M inbound events are not read to learn a few
// values per row. Read whole, with each row's shard decided in SQL and the head found on the way, the
// plan took ~12 CPU-s there, one core's work before any shard could start (docs/benchmarks.md,
// 2026-12-07). The head, which needs every row's stored hash, is then found by a pass of its own over
// the table (`headOfFile`), on the other core, while the plan is made and then while the shards are
// checked. A file without the reach indexes (written before they existed) is still planned from its
// rows, the head found on the way.

/** Whether the file's plan is made from its indexes, without the head (then found by `headOfFile`). */
export function plansFromIndexes(path: string): boolean {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return hasReachIndexes(indexDefinitions(db));
  } finally {
    db.close();
  }
}

/**
 * The plan of the file at `path` up to `head`, in `count` shards: from its indexes, without the head,
 * when `fromIndexes` (the file has the reach indexes: `plansFromIndexes`); else from its rows, the
 * head found on the way. Decided once by the caller, which then knows where the head comes from; a
 * file whose reach indexes were dropped since is still planned right (the same queries read the table).
 */
export function planVerify(
  path: string,
  head: number,
  count: number,
  proofs: readonly HeadProof[],
  fromIndexes: boolean,
): VerifyPlan {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return fromIndexes ? planFromIndexes(db, head, count) : fromTable(db, head, count, proofs);
  } finally {
    db.close();
  }
}

/** The head over the stored hashes up to `head`, and the published heads it proves: one pass over the table. */
export function headOfFile(path: string, head: number, proofs: readonly HeadProof[]): FoundHead {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const select = db.prepare('SELECT position, hash FROM events WHERE position <= ? ORDER BY position');
    select.setReturnArrays(true);
    const found = new HeadHash(proofs);
    for (const row of select.iterate(head)) {
      const [position, hash] = row as unknown as [number, string | null];
      found.accept(position, hash);
    }
    return found;
  } finally {
    db.close();
  }
}

/** A file without the reach indexes: every row read, each row's shard decided in SQL from its stream and the customer it names, and the head found on the way. */
function fromTable(db: DatabaseSync, head: number, count: number, proofs: readonly HeadProof[]): VerifyPlan {
  db.function('verify_shard', { deterministic: false }, shardOfRow(count));
  const select = db.prepare(
    `SELECT position, verify_shard(stream, CASE type WHEN 'TicketCreated' THEN data ->> '$.customer.id'
       WHEN 'InboundAccepted' THEN data ->> '$.event.subject' END), hash
     FROM events WHERE position <= ? ORDER BY position`,
  );
  select.setReturnArrays(true);
  const plan = new PlanBuilder(count, head);
  const found = new HeadHash(proofs);
  for (const row of select.iterate(head)) {
    const [position, shard, stored] = row as unknown as [number, number, string | null];
    plan.accept(position, shard);
    found.accept(position, stored);
  }
  return plan.finish(found);
}

/**
 * The shards from indexes: each inbound record's customer from the inbound reach index, each
 * TicketCreated's from the tickets' one, every row's stream and position from the (stream, version)
 * index, which SQLite reads instead of the table (it holds the position, the rowid, too). The rows
 * are placed as `shardOfRow` places them when the log is read in order.
 */
function planFromIndexes(db: DatabaseSync, head: number, count: number): VerifyPlan {
  const plan = new PlanBuilder(count, head);
  // Inbound records first, by position: an inbound stream's row is then placed by what is found here.
  const [subject] = INBOUND_REACH.values;
  const inbound = db.prepare(reachIndexQuery(INBOUND_REACH, subject!));
  inbound.setReturnArrays(true);
  for (const row of inbound.iterate(0, head)) {
    const [position, customer] = row as unknown as [number, string | null];
    plan.accept(position, shardOfCustomer(customer, count));
  }
  // Each ticket stream's TicketCreated rows: from each, the ticket's later rows go to its customer's shard.
  const [customerId, , , ticketStream] = CREATED_REACH.values;
  const created = db.prepare(reachIndexQuery(CREATED_REACH, `${customerId}, ${ticketStream}`));
  created.setReturnArrays(true);
  const openings = new Map<string, { positions: number[]; shards: number[] }>();
  for (const row of created.iterate(0, head)) {
    const [position, customer, stream] = row as unknown as [number, string | null, string];
    if (typeof customer !== 'string') continue;
    let ticket = openings.get(stream);
    if (ticket === undefined) openings.set(stream, (ticket = { positions: [], shards: [] }));
    ticket.positions.push(position);
    ticket.shards.push(shardOfCustomer(customer, count));
  }
  // Rows by stream, as the unique (stream, version) index lists them: a stream's placement is found
  // once, when its first row comes. (`+position`: the bound is not a range of the table's rowids to
  // read, so SQLite scans the index, which holds both values, rather than the table.)
  const rows = db.prepare('SELECT stream, position FROM events WHERE +position <= ?');
  rows.setReturnArrays(true);
  let current: string | null = null;
  let placement: number | ByCustomer = 0;
  let ticket: { positions: number[]; shards: number[] } | undefined;
  for (const row of rows.iterate(head)) {
    const [stream, position] = row as unknown as [string, number];
    if (stream !== current) {
      current = stream;
      placement = shardOfStream(stream, count);
      ticket = placement === ByCustomer.Ticket ? openings.get(stream) : undefined;
    }
    if (typeof placement === 'number') plan.accept(position, placement);
    // A row of an inbound stream that is not an inbound record names no customer: the first shard.
    else if (placement === ByCustomer.Inbound) plan.accept(position, plan.shardAt(position) ?? 0);
    else plan.accept(position, ticketShard(ticket, position));
  }
  return plan.finish(null);
}

/**
 * The shard of a ticket stream's row at `position`: its customer's, as the last TicketCreated of the
 * stream at or before it names them; the first shard before any (only a damaged store has such rows).
 */
function ticketShard(ticket: { positions: number[]; shards: number[] } | undefined, position: number): number {
  if (ticket === undefined) return 0;
  let shard = 0;
  for (let i = 0; i < ticket.positions.length && ticket.positions[i]! <= position; i++) shard = ticket.shards[i]!;
  return shard;
}

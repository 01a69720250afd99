import { DatabaseSync } from 'node:sqlite';
import { CUSTOMER_STREAM_PREFIX, TICKET_STREAM_PREFIX } from '@tickets/domain';
import { HeadHash, type HeadProof } from '@tickets/event-store';
import { CONFIG_STREAM_PREFIX, INBOUND_STREAM_PREFIX } from '@tickets/streams';
import { customerShard } from './customer-shard.js';

/**
 * Verify over a SQLite file in bounded memory: the customers are split into shards small enough that
 * one shard's tickets and customers fit in a few tens of megabytes, and each shard's rows are read
 * back by position and checked on their own (a customer's events never decide anything for another
 * customer, and a stream's chain is its own). This plan is the one pass over the whole log that says
 * which rows each shard reads, and computes the head from the stored hashes on the way.
 */
export interface VerifyPlan {
  /** Per shard, the positions of its rows, in global order. Configurations are in every shard. */
  readonly shards: Float64Array<ArrayBuffer>[];
  /** Rows up to the head, each counted once. */
  readonly rows: number;
  readonly head: HeadHash;
}

/** A shard's rows are read back in groups of this many positions. */
export const POSITIONS_PER_READ = 8_192;

/** The shard of a row, decided in SQL row by row in global order; -1: every shard (a configuration). */
function shardOfRow(count: number): (stream: unknown, customer: unknown) => number {
  // A ticket's customer is named by its first event, TicketCreated; the ticket's later rows follow it.
  const ticketShards = new Map<string, number>();
  const ofCustomer = (customer: unknown): number =>
    typeof customer === 'string' ? customerShard(customer.trim(), count) : 0;
  return (stream, customer) => {
    const name = String(stream);
    if (name.startsWith(TICKET_STREAM_PREFIX)) {
      if (typeof customer === 'string') ticketShards.set(name, ofCustomer(customer));
      // A ticket stream that does not start with TicketCreated (only a damaged store has one) goes to
      // shard 0, where verify reports it.
      return ticketShards.get(name) ?? 0;
    }
    if (name.startsWith(CUSTOMER_STREAM_PREFIX)) return customerShard(name.slice(CUSTOMER_STREAM_PREFIX.length), count);
    if (name.startsWith(INBOUND_STREAM_PREFIX)) return ofCustomer(customer);
    if (name.startsWith(CONFIG_STREAM_PREFIX)) return -1;
    // Any other stream is only chain-checked: by the first shard.
    return 0;
  };
}

const grown = <T extends Float64Array | Int16Array>(from: T, to: T): T => (to.set(from), to);

/** At most this many shards (a row's shard is kept in 16 bits). */
export const MAX_SHARDS = 32_767;

/** Reads the log up to `head` once: each row's shard, and the head over the stored hashes. */
export function planVerify(path: string, head: number, count: number, proofs: readonly HeadProof[]): VerifyPlan {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    db.function('verify_shard', { deterministic: false }, shardOfRow(count));
    const select = db.prepare(
      `SELECT position, verify_shard(stream, CASE type WHEN 'TicketCreated' THEN data ->> '$.customer.id'
         WHEN 'InboundAccepted' THEN data ->> '$.event.subject' END), hash
       FROM events WHERE position <= ? ORDER BY position`,
    );
    select.setReturnArrays(true);
    // Two passes over compact arrays rather than growing a list per shard: the plan of a large store
    // makes little garbage, so the heap it leaves behind stays small.
    const hash = new HeadHash(proofs);
    let at = new Float64Array(1 << 16);
    let of = new Int16Array(1 << 16);
    const sizes = new Array<number>(count).fill(0);
    let everywhere = 0;
    let rows = 0;
    for (const row of select.iterate(head)) {
      const [position, shard, stored] = row as unknown as [number, number, string | null];
      hash.accept(position, stored);
      if (rows === at.length) {
        at = grown(at, new Float64Array(at.length * 2));
        of = grown(of, new Int16Array(of.length * 2));
      }
      at[rows] = position;
      of[rows++] = shard;
      if (shard >= 0) sizes[shard]!++;
      else everywhere++;
    }
    const shards = sizes.map((size) => new Float64Array(size + everywhere));
    const filled = new Array<number>(count).fill(0);
    for (let i = 0; i < rows; i++) {
      const shard = of[i]!;
      if (shard >= 0) shards[shard]![filled[shard]!++] = at[i]!;
      else for (let s = 0; s < count; s++) shards[s]![filled[s]!++] = at[i]!;
    }
    return { shards, rows, head: hash };
  } finally {
    db.close();
  }
}

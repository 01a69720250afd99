import { CUSTOMER_STREAM_PREFIX, TICKET_STREAM_PREFIX } from '@tickets/domain';
import type { HeadHash, StoreLocation } from '@tickets/event-store';
import { CONFIG_STREAM_PREFIX, INBOUND_STREAM_PREFIX } from '@tickets/streams';
import { customerShard } from './customer-shard.js';

/**
 * Verify over a store's events table in bounded memory: the customers are split into shards small
 * enough that one shard's tickets and customers fit in a few tens of megabytes, and each shard's rows
 * are read back by position and checked on their own (a customer's events never decide anything for
 * another customer, and a stream's chain is its own). The plan says which rows each shard reads, from
 * one pass over the whole log that computes the head from the stored hashes on the way, or from
 * indexes (a SQLite file's reach indexes), the head then found by a pass over the hashes alone. Each
 * store brings its SQL (sqlite-verify-plan.ts, postgres-verify-plan.ts); which shard a row goes to,
 * and the plan itself, are decided here, once.
 */
export interface VerifyPlan {
  /** Per shard, the positions of its rows, in global order. Configurations are in every shard. */
  readonly shards: Float64Array<ArrayBuffer>[];
  /** Rows up to the head, each counted once. */
  readonly rows: number;
  /**
   * The head over the stored hashes, and the published heads it proves, when the plan's pass read the
   * hashes; null when the plan was made from indexes that hold none (a SQLite file's): the head is then
   * found by a pass over the hashes of its own, while the shards are checked (verify-source.ts).
   */
  readonly head: FoundHead | null;
}

/** The head a pass over the stored hashes found, and what it proves. */
export type FoundHead = Pick<HeadHash, 'now' | 'proofs'>;

/** A store whose events table verify reads directly: a SQLite file or a PostgreSQL schema. */
export type DirectStore = Extract<StoreLocation, { kind: 'sqlite' | 'postgres' }>;

/**
 * A shard's rows are read back in groups of this many positions. A group lives while it is checked:
 * what is still live when the young generation is collected is copied, then promoted, then marked —
 * in 2,048-row groups garbage collection took ~40% of a worker's time; 512 rows halved it, at no cost
 * in queries (docs/benchmarks.md). 8,192 rows (~14 MB of text when sealed) also made a verify over 1M
 * inbound events peak ~45 MB higher than 2,048.
 */
export const POSITIONS_PER_READ = 512;

/** At most this many shards (a row's shard is kept in 16 bits). */
export const MAX_SHARDS = 32_767;

/** A row in every shard: a configuration, which every shard's decisions read. */
export const EVERY_SHARD = -1;

/** Where a stream's rows go when the stream's name does not say it: by the customer a row names. */
export const ByCustomer = { Ticket: 'ticket', Inbound: 'inbound' } as const;
export type ByCustomer = (typeof ByCustomer)[keyof typeof ByCustomer];

/**
 * The shard of a stream's rows by its name: a customer's stream by the customer, a configuration in
 * every shard (-1), any other stream (only chain-checked) in the first; a ticket's or an inbound
 * record's stream by the customer a row of it names (`ByCustomer`).
 */
export function shardOfStream(name: string, count: number): number | ByCustomer {
  if (name.startsWith(TICKET_STREAM_PREFIX)) return ByCustomer.Ticket;
  if (name.startsWith(CUSTOMER_STREAM_PREFIX)) return customerShard(name.slice(CUSTOMER_STREAM_PREFIX.length), count);
  if (name.startsWith(INBOUND_STREAM_PREFIX)) return ByCustomer.Inbound;
  if (name.startsWith(CONFIG_STREAM_PREFIX)) return EVERY_SHARD;
  return 0;
}

/** The shard of the customer a row names (its id as stored), the first when it names none. */
export const shardOfCustomer = (customer: unknown, count: number): number =>
  typeof customer === 'string' ? customerShard(customer.trim(), count) : 0;

/**
 * The shard of each row, called row by row in global order with its stream and, for a
 * `TicketCreated`, the customer's id it names (for an `InboundAccepted`, the record's subject).
 */
export function shardOfRow(count: number): (stream: unknown, customer: unknown) => number {
  // A ticket's customer is named by its first event, TicketCreated; the ticket's later rows follow it.
  const ticketShards = new Map<string, number>();
  return (stream, customer) => {
    const name = String(stream);
    const shard = shardOfStream(name, count);
    if (shard === ByCustomer.Inbound) return shardOfCustomer(customer, count);
    if (shard !== ByCustomer.Ticket) return shard;
    if (typeof customer === 'string') ticketShards.set(name, shardOfCustomer(customer, count));
    // A ticket stream that does not start with TicketCreated (only a damaged store has one) goes to
    // shard 0, where verify reports it.
    return ticketShards.get(name) ?? 0;
  };
}

/** Not a row (yet): a position no row holds, in a plan's array of shards by position. */
const ABSENT = -2;

/**
 * Builds a plan from each row's position and shard, given in any order: one 16-bit shard per position
 * up to the head, then the shards' positions filled in position order in two passes (counted, then
 * filled). The plan of a large store makes little garbage, so the heap it leaves behind stays small.
 */
export class PlanBuilder {
  readonly #count: number;
  readonly #of: Int16Array;

  /** `head`: the last position a row can have. */
  constructor(count: number, head: number) {
    if (count > MAX_SHARDS) throw new RangeError(`at most ${MAX_SHARDS} shards, not ${count}`);
    this.#count = count;
    this.#of = new Int16Array(head + 1).fill(ABSENT);
  }

  /** The row at `position` goes to `shard` (EVERY_SHARD: every shard); a later call for the same position replaces it. */
  accept(position: number, shard: number): void {
    this.#of[position] = shard;
  }

  /** The shard given to the row at `position` so far, or null when none was. */
  shardAt(position: number): number | null {
    const shard = this.#of[position]!;
    return shard === ABSENT ? null : shard;
  }

  finish(head: FoundHead | null): VerifyPlan {
    const count = this.#count;
    const of = this.#of;
    const sizes = new Array<number>(count).fill(0);
    let everywhere = 0;
    let rows = 0;
    for (let position = 0; position < of.length; position++) {
      const shard = of[position]!;
      if (shard === ABSENT) continue;
      rows++;
      if (shard === EVERY_SHARD) everywhere++;
      else sizes[shard]!++;
    }
    const shards = sizes.map((size) => new Float64Array(size + everywhere));
    const filled = new Array<number>(count).fill(0);
    for (let position = 0; position < of.length; position++) {
      const shard = of[position]!;
      if (shard === ABSENT) continue;
      if (shard !== EVERY_SHARD) shards[shard]![filled[shard]!++] = position;
      else for (let s = 0; s < count; s++) shards[s]![filled[s]!++] = position;
    }
    return { shards, rows, head };
  }
}

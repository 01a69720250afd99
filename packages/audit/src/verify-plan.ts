import { CUSTOMER_STREAM_PREFIX, TICKET_STREAM_PREFIX } from '@tickets/domain';
import { HeadHash, type HeadProof, type StoreLocation } from '@tickets/event-store';
import { CONFIG_STREAM_PREFIX, INBOUND_STREAM_PREFIX } from '@tickets/streams';
import { customerShard } from './customer-shard.js';

/**
 * Verify over a store's events table in bounded memory: the customers are split into shards small
 * enough that one shard's tickets and customers fit in a few tens of megabytes, and each shard's rows
 * are read back by position and checked on their own (a customer's events never decide anything for
 * another customer, and a stream's chain is its own). The plan is the one pass over the whole log that
 * says which rows each shard reads, and computes the head from the stored hashes on the way. Each
 * store brings its SQL (sqlite-verify-plan.ts, postgres-verify-plan.ts); which shard a row goes to,
 * and the plan itself, are decided here, once.
 */
export interface VerifyPlan {
  /** Per shard, the positions of its rows, in global order. Configurations are in every shard. */
  readonly shards: Float64Array<ArrayBuffer>[];
  /** Rows up to the head, each counted once. */
  readonly rows: number;
  /** The head over the stored hashes, and the published heads it proves. */
  readonly head: Pick<HeadHash, 'now' | 'proofs'>;
}

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

/**
 * The shard of each row, called row by row in global order with its stream and, for a
 * `TicketCreated`, the customer's id it names (for an `InboundAccepted`, the record's subject); -1:
 * every shard (a configuration).
 */
export function shardOfRow(count: number): (stream: unknown, customer: unknown) => number {
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

/**
 * Builds a plan from the rows of the log in global order: each row's position, shard and stored hash.
 * Two passes over compact arrays rather than growing a list per shard: the plan of a large store makes
 * little garbage, so the heap it leaves behind stays small.
 */
export class PlanBuilder {
  readonly #count: number;
  readonly #hash: HeadHash;
  #at = new Float64Array(1 << 16);
  #of = new Int16Array(1 << 16);
  readonly #sizes: number[];
  #everywhere = 0;
  #rows = 0;

  constructor(count: number, proofs: readonly HeadProof[]) {
    this.#count = count;
    this.#hash = new HeadHash(proofs);
    this.#sizes = new Array<number>(count).fill(0);
  }

  /** The next row of the log: its position, its shard (-1: every shard) and its stored hash. */
  accept(position: number, shard: number, hash: string | null): void {
    this.#hash.accept(position, hash);
    if (this.#rows === this.#at.length) {
      this.#at = grown(this.#at, new Float64Array(this.#at.length * 2));
      this.#of = grown(this.#of, new Int16Array(this.#of.length * 2));
    }
    this.#at[this.#rows] = position;
    this.#of[this.#rows++] = shard;
    if (shard >= 0) this.#sizes[shard]!++;
    else this.#everywhere++;
  }

  finish(): VerifyPlan {
    const count = this.#count;
    const shards = this.#sizes.map((size) => new Float64Array(size + this.#everywhere));
    const filled = new Array<number>(count).fill(0);
    for (let i = 0; i < this.#rows; i++) {
      const shard = this.#of[i]!;
      const position = this.#at[i]!;
      if (shard >= 0) shards[shard]![filled[shard]!++] = position;
      else for (let s = 0; s < count; s++) shards[s]![filled[s]!++] = position;
    }
    return { shards, rows: this.#rows, head: this.#hash };
  }
}

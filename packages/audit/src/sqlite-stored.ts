import { DatabaseSync } from 'node:sqlite';
import { CUSTOMER_STREAM_PREFIX, TICKET_STREAM_PREFIX } from '@tickets/domain';
import type { EventMetadata, Json, RecordedEvent } from '@tickets/event-store';
import { INBOUND_STREAM_PREFIX } from '@tickets/streams';
import { customerShard } from './customer-shard.js';

/** The event table layouts this reader knows (the SQLite adapter's `PRAGMA user_version`); 2 added the chain hash, not read here. */
const KNOWN_SCHEMAS = new Set<unknown>([1, 2]);

/** Whether the file is a SQLite event store this reader knows. */
export function isKnownSqliteStore(path: string): boolean {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return KNOWN_SCHEMAS.has(db.prepare('PRAGMA user_version').get()?.['user_version']);
  } finally {
    db.close();
  }
}

/**
 * A stored event read straight from a SQLite file, its data parsed only when asked for: re-decision
 * compares most events by their stored JSON text and never needs their parsed data.
 */
export class StoredEvent implements RecordedEvent {
  #data: Json | undefined;

  constructor(
    readonly position: number,
    readonly stream: string,
    readonly version: number,
    readonly id: string,
    readonly type: string,
    readonly metadata: EventMetadata,
    /** The data as stored: JSON text. */
    readonly raw: string,
  ) {}

  get data(): Json {
    return (this.#data ??= JSON.parse(this.raw) as Json);
  }
}

/** One of `count` shards of the customers: their ticket, customer and inbound streams (and every other stream read). */
export interface CustomerShardSpec {
  readonly index: number;
  readonly count: number;
}

/** An event table row as both direct readers select it. */
export type EventRow = [
  position: number,
  stream: string,
  version: number,
  id: string,
  type: string,
  metadata: string,
  data: string,
];

/**
 * Decides in SQL, row by row in position order, whether a row belongs to the shard: a customer's
 * stream and inbound records by the customer id, a ticket's stream by the customer its TicketCreated
 * names (the first event of every ticket). Rows of other shards are skipped before any of their text
 * reaches JavaScript. A ticket stream that does not start with TicketCreated (only a damaged store
 * has one) goes to shard 0, where verify reports it.
 */
function shardFilter(db: DatabaseSync, shard: CustomerShardSpec): string {
  const ticketShards = new Map<string, number>();
  db.function('in_customer_shard', { deterministic: false }, (stream, customer) => {
    const name = String(stream);
    let at: number;
    if (name.startsWith(TICKET_STREAM_PREFIX)) {
      if (typeof customer === 'string') ticketShards.set(name, customerShard(customer.trim(), shard.count));
      at = ticketShards.get(name) ?? 0;
    } else if (name.startsWith(CUSTOMER_STREAM_PREFIX))
      at = customerShard(name.slice(CUSTOMER_STREAM_PREFIX.length), shard.count);
    else if (name.startsWith(INBOUND_STREAM_PREFIX))
      at = typeof customer === 'string' ? customerShard(customer.trim(), shard.count) : 0;
    else return 1;
    return at === shard.index ? 1 : 0;
  });
  return `AND in_customer_shard(stream, CASE type WHEN 'TicketCreated' THEN data ->> '$.customer.id' WHEN 'InboundAccepted' THEN data ->> '$.event.subject' END)`;
}

/** The events of the streams named by `prefixes`, in global order, up to `head`, one at a time; of one shard of the customers when `shard` is given. */
export function* sqliteStored(
  path: string,
  head: number,
  prefixes: readonly string[],
  shard?: CustomerShardSpec,
): Generator<StoredEvent> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const streams = prefixes.map((_, i) => `substr(stream, 1, length(?${i + 2})) = ?${i + 2}`).join(' OR ');
    const sharded = shard === undefined || shard.count <= 1 ? '' : shardFilter(db, shard);
    const select = db.prepare(
      `SELECT position, stream, version, id, type, metadata, data FROM events WHERE position <= ?1 AND (${streams}) ${sharded} ORDER BY position`,
    );
    select.setReturnArrays(true);
    for (const row of select.iterate(head, ...prefixes)) {
      const [position, stream, version, id, type, metadata, data] = row as unknown as EventRow;
      yield new StoredEvent(position, stream, version, id, type, JSON.parse(metadata) as EventMetadata, data);
    }
  } finally {
    db.close();
  }
}

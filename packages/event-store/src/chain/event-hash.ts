import { hash } from 'node:crypto';

/**
 * An event as stored, for its chain hash: `metadata` and `data` are the JSON texts the adapter wrote
 * (the sealed values when personal data is encrypted), so erasing a customer's key changes nothing
 * the hash covers.
 */
export interface ChainedContent {
  readonly stream: string;
  readonly version: number;
  readonly id: string;
  readonly type: string;
  readonly metadata: string;
  readonly data: string;
}

/** A stored event with its chain hash, as `EventStore.readChain` returns it. */
export interface ChainedEvent extends ChainedContent {
  readonly position: number;
  /** SHA-256 hex of the event and the previous hash of its stream; null for events written before the chain. */
  readonly hash: string | null;
}

/** Names the format, so a hash of this chain can never be mistaken for another SHA-256 of the same bytes. */
const PREFIX = 'tickets-event-chain-1\n';
const NEWLINE = 0x0a;
/** Grows to the largest event hashed; UTF-8 takes at most 3 bytes per UTF-16 unit. */
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * The chain hash of one event: SHA-256 over the previous hash of its stream (empty for the first
 * chained event of a stream), the event's place and identity (stream, revision, id, type) and its
 * stored metadata and data. The separators cannot occur inside the parts: the header is a JSON array
 * and the texts are JSON, which escapes line feeds. Positions are left out on purpose: they are only
 * known once committed, and per-stream chains keep appends to different streams independent.
 */
export function eventHash(previous: string | null, event: ChainedContent): string {
  const header = JSON.stringify([event.stream, event.version, event.id, event.type]);
  // The parts are written into one reused buffer and hashed in one call: concatenating them would make
  // a copy of every event's data per append, garbage that cost more than the hashing itself.
  const size = PREFIX.length + 64 + 3 + 3 * (header.length + event.metadata.length + event.data.length);
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
  let at = scratch.write(PREFIX, 0, 'latin1');
  if (previous !== null) at += scratch.write(previous, at, 'latin1');
  scratch[at++] = NEWLINE;
  at += scratch.write(header, at, 'utf8');
  scratch[at++] = NEWLINE;
  at += scratch.write(event.metadata, at, 'utf8');
  scratch[at++] = NEWLINE;
  at += scratch.write(event.data, at, 'utf8');
  return hash('sha256', scratch.subarray(0, at), 'hex');
}

/**
 * The hashes of events appended to one stream in order, the first after the event whose hash is
 * `previous` (null for a new stream, or one whose head was written before the chain).
 */
export function chainHashes(previous: string | null, events: readonly ChainedContent[]): string[] {
  const hashes = new Array<string>(events.length);
  let last = previous;
  for (let i = 0; i < events.length; i++) last = hashes[i] = eventHash(last, events[i]!);
  return hashes;
}

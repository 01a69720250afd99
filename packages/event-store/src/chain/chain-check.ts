import { createHash, type Hash } from 'node:crypto';
import type { EventStore } from '../event-store.port.js';
import { invalidArgument } from '../validate-arguments.js';
import { eventHash, type ChainedEvent } from './event-hash.js';

/**
 * The store's head: SHA-256 over the stored hashes of every chained event, in global order. Each of
 * those hashes covers its stream's history before it, so the head covers every stream, its events'
 * content and order, and the order of the streams' events in the log: publish it, and any later change
 * of history up to it (an edit, a deletion, a whole stream removed, a reordering) gives another head.
 */
export interface StoreHead {
  /** SHA-256 hex; for an empty store (or one with no chained event yet), the hash of nothing. */
  readonly hash: string;
  /** Chained events covered: the first `events` chained events of the log, in global order. */
  readonly events: number;
  /** Global position of the last event covered (0 when none). */
  readonly position: number;
  /** Events written before the chain: read, but outside the head. */
  readonly unchained: number;
}

/** A published head to prove: `<events>:<hash>`, as `headProof` prints it. */
export interface HeadProof {
  readonly events: number;
  readonly hash: string;
}

export interface ChainProblem {
  readonly position: number;
  readonly stream: string;
  readonly version: number;
  readonly id: string;
  readonly type: string;
  readonly message: string;
}

export interface ProofResult {
  readonly proof: HeadProof;
  /** The head over the first `proof.events` chained events as the store holds them now; null if it has fewer. */
  readonly found: StoreHead | null;
  readonly ok: boolean;
}

export interface ChainReport {
  readonly ok: boolean;
  readonly events: number;
  readonly streams: number;
  /** Events written before the chain, and where the last of them is (0 when none). */
  readonly unchained: number;
  readonly lastUnchainedPosition: number;
  /** Streams whose chain starts after their first event (their earlier events were written before the chain). */
  readonly chainsStartingLate: number;
  readonly head: StoreHead;
  /** Problems found, in global order; at most `MAX_PROBLEMS` of them. */
  readonly problems: readonly ChainProblem[];
  readonly problemCount: number;
  readonly proofs: readonly ProofResult[];
}

const MAX_PROBLEMS = 1_000;
const HEX_HASH = /^[0-9a-f]{64}$/;

export const headProof = (head: Pick<StoreHead, 'events' | 'hash'>): string => `${head.events}:${head.hash}`;

/** Parses `<events>:<hash>` (what `tickets head` prints as `proof`); throws a clear error otherwise. */
export function parseHeadProof(text: string): HeadProof {
  const match = /^(\d{1,15}):([0-9a-fA-F]{64})$/.exec(text.trim());
  if (match === null) {
    throw invalidArgument(
      `head must be <events>:<sha-256 hex>, as tickets head prints it in "proof"; got ${JSON.stringify(text)}`,
    );
  }
  return { events: Number(match[1]), hash: match[2]!.toLowerCase() };
}

interface StreamTip {
  version: number;
  hash: string | null;
}

/**
 * The head and the published heads it proves, from the stored hashes alone, in global order: what
 * `ChainCheck` computes as it goes, and what a check split by stream (each part reading its streams'
 * events) computes in one light pass over the hash column.
 */
export class HeadHash {
  readonly #hash: Hash = createHash('sha256');
  readonly #proofs: HeadProof[];
  readonly #proven = new Map<number, StoreHead>();
  #chained = 0;
  #unchained = 0;
  #lastChainedPosition = 0;

  constructor(proofs: readonly HeadProof[] = []) {
    for (const proof of proofs) {
      if (!HEX_HASH.test(proof.hash)) throw invalidArgument(`head hash must be 64 hex digits, got ${proof.hash}`);
    }
    this.#proofs = proofs.map(({ events, hash }) => ({ events, hash }));
    // A proof of nothing: the head of no event.
    for (const proof of this.#proofs) if (proof.events === 0) this.#proven.set(0, this.now());
  }

  /** The next event of the log: its stored hash, null when it was written before the chain. */
  accept(position: number, hash: string | null): void {
    if (hash === null) {
      this.#unchained++;
      return;
    }
    this.#hash.update(hash);
    this.#chained++;
    this.#lastChainedPosition = position;
    for (const proof of this.#proofs) {
      if (proof.events === this.#chained) this.#proven.set(this.#chained, this.now());
    }
  }

  now(): StoreHead {
    return {
      hash: this.#hash.copy().digest('hex'),
      events: this.#chained,
      position: this.#lastChainedPosition,
      unchained: this.#unchained,
    };
  }

  proofs(): ProofResult[] {
    return this.#proofs.map((proof): ProofResult => {
      const found = this.#proven.get(proof.events) ?? null;
      return { proof, found, ok: found?.hash === proof.hash };
    });
  }
}

/**
 * Checks every stream's chain and computes the head, in one pass over the log in global order (feed
 * `accept` with `readChain` pages). Each event must follow the previous one of its stream (revision
 * +1) and its stored hash must be the hash of its content after the previous event's stored hash. A
 * mismatch names the event and the check goes on from its stored hash, so one edit is one finding.
 * The stream checks only need each stream's events in order: a check fed some streams' events alone
 * finds what a check of the whole log finds about them (see `mergeChainReports`).
 */
export class ChainCheck {
  readonly #tips = new Map<string, StreamTip>();
  readonly #head: HeadHash;
  readonly #problems: ChainProblem[] = [];
  #problemCount = 0;
  #events = 0;
  #lastUnchained = 0;
  #late = 0;

  constructor(proofs: readonly HeadProof[] = []) {
    this.#head = new HeadHash(proofs);
  }

  accept(event: ChainedEvent): void {
    this.#events++;
    const tip = this.#tips.get(event.stream);
    const expected = tip === undefined ? 0 : tip.version + 1;
    const misplaced = event.version !== expected;
    if (misplaced) {
      this.#problem(
        event,
        tip === undefined
          ? `first event of its stream in the log is revision ${event.version}: ` +
              `revisions 0–${event.version - 1} deleted or moved`
          : `revision ${event.version} follows revision ${tip.version}: events deleted or moved`,
      );
    }
    this.#head.accept(event.position, event.hash);
    if (event.hash === null) {
      if (tip?.hash != null) {
        this.#problem(event, 'no chain hash after chained events of its stream: its hash was removed');
      }
      this.#lastUnchained = event.position;
      this.#moveTip(tip, event, null);
      return;
    }
    if (tip !== undefined && tip.hash === null) this.#late++;
    // A misplaced event is named once, for being misplaced; its hash cannot match either.
    if (!misplaced && eventHash(tip?.hash ?? null, event) !== event.hash) {
      this.#problem(
        event,
        'stored hash does not match the event and the previous hash of its stream: ' +
          'the event was edited, or one before it deleted, added or moved',
      );
    }
    this.#moveTip(tip, event, event.hash);
  }

  /** The stream's tip is now `event`: updated in place, as a check reads millions of events. */
  #moveTip(tip: StreamTip | undefined, event: ChainedEvent, hash: string | null): void {
    if (tip === undefined) this.#tips.set(event.stream, { version: event.version, hash });
    else {
      tip.version = event.version;
      tip.hash = hash;
    }
  }

  finish(): ChainReport {
    const proofs = this.#head.proofs();
    return {
      ok: this.#problemCount === 0 && proofs.every((proof) => proof.ok),
      events: this.#events,
      streams: this.#tips.size,
      unchained: this.#head.now().unchained,
      lastUnchainedPosition: this.#lastUnchained,
      chainsStartingLate: this.#late,
      head: this.#head.now(),
      problems: this.#problems,
      problemCount: this.#problemCount,
      proofs,
    };
  }

  #problem(event: ChainedEvent, message: string): void {
    this.#problemCount++;
    if (this.#problems.length < MAX_PROBLEMS) {
      const { position, stream, version, id, type } = event;
      this.#problems.push({ position, stream, version, id, type, message });
    }
  }
}

/**
 * One report from checks that each read some streams (every stream in exactly one of them) and the
 * head computed over the whole log (a `HeadHash`, or what one found, carried from another thread):
 * the problems in global order, as one pass would list them.
 */
export function mergeChainReports(parts: readonly ChainReport[], head: Pick<HeadHash, 'now' | 'proofs'>): ChainReport {
  const proofs = head.proofs();
  const problemCount = parts.reduce((sum, part) => sum + part.problemCount, 0);
  return {
    ok: problemCount === 0 && proofs.every((proof) => proof.ok),
    events: parts.reduce((sum, part) => sum + part.events, 0),
    streams: parts.reduce((sum, part) => sum + part.streams, 0),
    unchained: parts.reduce((sum, part) => sum + part.unchained, 0),
    lastUnchainedPosition: Math.max(0, ...parts.map((part) => part.lastUnchainedPosition)),
    chainsStartingLate: parts.reduce((sum, part) => sum + part.chainsStartingLate, 0),
    head: head.now(),
    problems: parts
      .flatMap((part) => part.problems)
      .sort((a, b) => a.position - b.position)
      .slice(0, MAX_PROBLEMS),
    problemCount,
    proofs,
  };
}

const PAGE = 5_000;

/**
 * Reads the whole log through `readChain` up to `head` (default: the head position now) and checks
 * it. Works on every adapter, through the personal-data codec too (which hands the sealed events over as stored).
 */
export async function checkStoreChain(
  store: Pick<EventStore, 'readChain' | 'headPosition'>,
  options: {
    readonly proofs?: readonly HeadProof[];
    readonly upTo?: number;
    readonly onProgress?: (position: number) => void;
  } = {},
): Promise<ChainReport> {
  const check = new ChainCheck(options.proofs);
  const upTo = options.upTo ?? (await store.headPosition());
  let after = 0;
  while (after < upTo) {
    const page = await store.readChain({ after, maxCount: PAGE });
    if (page.length === 0) break;
    for (const event of page) if (event.position <= upTo) check.accept(event);
    after = page.at(-1)!.position;
    options.onProgress?.(Math.min(after, upTo));
  }
  return check.finish();
}

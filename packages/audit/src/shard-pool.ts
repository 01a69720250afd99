import { Worker } from 'node:worker_threads';
import type { SequencedCommand } from './command-diff.js';
import { customerShard } from './customer-shard.js';
import type { InboundColumns } from './recorded-history.js';
import { WhatIfShard, type ShardSettings, type ShardTotals } from './what-if-shard.js';
import type { ShardBatch, ToShard } from './what-if-worker.js';

type FromShard = { readonly commands: SequencedCommand[] } | { readonly totals: ShardTotals };

/** Batches a worker may have queued: enough to keep it busy, few enough to bound memory. */
const MAX_IN_FLIGHT = 3;
// Scavenges of a small young generation would promote every ticket state a replay keeps; a larger
// one lets the short-lived objects of each decision die young.
const YOUNG_GENERATION_MB = 64;

interface ShardThread {
  readonly worker: Worker;
  inFlight: number;
  /** Resolved by the next reply (back-pressure) or by the totals. */
  waiting: (() => void)[];
  totals: ShardTotals | null;
}

/**
 * The what-if shards: inline (`threads` 0) or one worker thread each, customers split between them.
 * Commands come back through `onCommands` as batches are decided; `finish` returns the totals.
 */
export class ShardPool {
  private readonly inline: WhatIfShard | null;
  private readonly threads: ShardThread[] = [];
  private failure: unknown = null;

  constructor(
    settings: ShardSettings,
    threads: number,
    private readonly onCommands: (commands: readonly SequencedCommand[]) => void,
  ) {
    this.inline = threads === 0 ? new WhatIfShard(settings) : null;
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(new URL('./what-if-worker.js', import.meta.url), {
        workerData: settings,
        resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      });
      const thread: ShardThread = { worker, inFlight: 0, waiting: [], totals: null };
      worker.on('message', (message: FromShard) => {
        if ('commands' in message) {
          thread.inFlight--;
          this.onCommands(message.commands);
        } else thread.totals = message.totals;
        for (const wake of thread.waiting.splice(0)) wake();
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (thread.totals === null) this.fail(new Error(`a what-if worker stopped (exit code ${code})`));
      });
      this.threads.push(thread);
    }
  }

  /** Hands the records to their shards, in order; waits while a shard is too far behind. */
  async push(inbound: InboundColumns): Promise<void> {
    const { positions, keys, subjects, records } = inbound;
    if (this.inline !== null) {
      for (let i = 0; i < positions.length; i++)
        this.onCommands(this.inline.handle(positions[i]!, keys[i]!, records[i]!));
      return;
    }
    const parts: ShardBatch[] = this.threads.map(() => ({ positions: [], keys: [], records: [] }));
    for (let i = 0; i < positions.length; i++) {
      const part = parts[customerShard(subjects[i]!, this.threads.length)]!;
      part.positions.push(positions[i]!);
      part.keys.push(keys[i]!);
      part.records.push(records[i]!);
    }
    for (const [i, batch] of parts.entries()) {
      if (batch.positions.length === 0) continue;
      const thread = this.threads[i]!;
      while (thread.inFlight >= MAX_IN_FLIGHT) await this.next(thread);
      thread.inFlight++;
      thread.worker.postMessage({ batch } satisfies ToShard);
    }
  }

  /**
   * Waits for every batch, collects the totals of all shards, runs every shard's clock to the same
   * time (`clock`, else the latest event time of all shards or `floor`, whichever is later) so the timers due by then fire, and
   * stops the threads. `position` numbers the commands the clock emits after every recorded one.
   */
  async finish(clock: string | undefined, floor: string | null, position: number): Promise<ShardTotals> {
    const later = (a: string | null, b: string | null): string | null => (a === null ? b : b === null || a > b ? a : b);
    if (this.inline !== null) {
      const totals = this.inline.totals();
      const until = clock ?? later(totals.latestTime, floor);
      if (until !== null) this.onCommands(this.inline.advance(until, position));
      return totals;
    }
    try {
      for (const thread of this.threads) thread.worker.postMessage({ finish: true } satisfies ToShard);
      for (const thread of this.threads) while (thread.totals === null) await this.next(thread);
      const all = this.threads.map((thread) => thread.totals!);
      const latest = all.reduce<string | null>(
        (max, t) => (t.latestTime !== null && (max === null || t.latestTime > max) ? t.latestTime : max),
        null,
      );
      const until = clock ?? later(latest, floor);
      if (until !== null) {
        for (const thread of this.threads) {
          thread.inFlight++;
          thread.worker.postMessage({ advance: until, position } satisfies ToShard);
        }
        for (const thread of this.threads) while (thread.inFlight > 0) await this.next(thread);
      }
      return {
        events: all.reduce((sum, t) => sum + t.events, 0),
        replayed: all.reduce((sum, t) => sum + t.replayed, 0),
        decisions: all.flatMap((t) => t.decisions).sort((a, b) => a.position - b.position),
        rejected: all.flatMap((t) => t.rejected).sort((a, b) => a.position - b.position),
        latestTime: latest,
      };
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }

  private next(thread: ShardThread): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise<void>((resolve) => thread.waiting.push(resolve)).then(() => {
      if (this.failure !== null) throw this.failure;
    });
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    for (const thread of this.threads) for (const wake of thread.waiting.splice(0)) wake();
  }
}

import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { AllStreamResolvedEvent, Position } from '@kurrent/kurrentdb-client';
import type { AllSubscriptionLike } from './esdb-client.port.js';

/**
 * One server subscription, turned from a push stream into something a batching loop can pull from:
 * a bounded queue of the events received (pausing the subscription when full, so a slow subscriber
 * holds back the server instead of filling memory), whether it ended or failed, and the last
 * checkpoint the server reported.
 */
export class SubscriptionFeed {
  readonly #highWaterMark: number;
  readonly #queue: AllStreamResolvedEvent[] = [];
  #subscription: AllSubscriptionLike | undefined;
  #checkpoint: Position | undefined;
  #ended = false;
  #failure: { readonly error: unknown } | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  #space: (() => void) | undefined;

  constructor(highWaterMark: number) {
    this.#highWaterMark = highWaterMark;
  }

  /** For the filter's `checkpointReached`: the server has considered every event up to `position`. */
  readonly onCheckpoint = (_subscription: unknown, position: Position): void => {
    this.#checkpoint = position;
    this.#notify();
  };

  /** Starts pulling from the subscription (created after the feed, as its filter calls back into it). */
  start(subscription: AllSubscriptionLike): void {
    this.#subscription = subscription;
    void this.#pump(subscription);
  }

  get ended(): boolean {
    return this.#ended;
  }

  get failure(): { readonly error: unknown } | undefined {
    return this.#failure;
  }

  /** Up to `max` received events, in log order. */
  take(max: number): AllStreamResolvedEvent[] {
    const taken = this.#queue.splice(0, max);
    if (taken.length > 0) this.#release();
    return taken;
  }

  /**
   * The last checkpoint, once every event the server sent before it has been taken, else undefined.
   * The client calls `checkpointReached` while events sent before the checkpoint may still sit in the
   * subscription's buffer or be on their way to our queue; a checkpoint handed out earlier could let
   * a subscriber save a position past events it has not handled. So: let pending reads settle (one
   * macrotask), then require both the buffer and the queue to be empty.
   */
  async settledCheckpoint(): Promise<Position | undefined> {
    if (this.#checkpoint === undefined) return undefined;
    await nextMacrotask();
    if (this.#queue.length > 0 || (this.#subscription?.readableLength ?? 0) > 0) return undefined;
    const checkpoint = this.#checkpoint;
    this.#checkpoint = undefined;
    return checkpoint;
  }

  get hasCheckpoint(): boolean {
    return this.#checkpoint !== undefined;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Resolves when something changes (an event, a checkpoint, the end, a failure), when `signal`
   * aborts, or after `timeoutMs` (a checkpoint may be waiting for the subscription's buffer to drain).
   */
  wait(signal: AbortSignal, timeoutMs: number): Promise<void> {
    if (signal.aborted || this.#queue.length > 0 || this.#ended || this.#failure !== undefined)
      return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.#wake === done) this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      this.#wake = done;
    });
  }

  /** Ends the server subscription; what it was about to deliver is dropped. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#release();
    const subscription = this.#subscription;
    if (subscription === undefined) return;
    // A failure to cancel a call on a dropped connection changes nothing for us: the stream goes anyway.
    await subscription.unsubscribe().catch(() => undefined);
    // Cancelling the call does not end the client's stream by itself: destroy it so the pump returns.
    subscription.destroy();
  }

  async #pump(subscription: AllSubscriptionLike): Promise<void> {
    try {
      for await (const event of subscription) {
        if (this.#stopped) break;
        this.#queue.push(event);
        this.#notify();
        while (this.#queue.length >= this.#highWaterMark && !this.#stopped) {
          await new Promise<void>((resolve) => {
            this.#space = resolve;
          });
        }
      }
      this.#ended = true;
    } catch (error) {
      if (!this.#stopped) this.#failure = { error };
    } finally {
      this.#ended = true;
      this.#notify();
    }
  }

  #notify(): void {
    this.#wake?.();
  }

  #release(): void {
    const space = this.#space;
    this.#space = undefined;
    space?.();
  }
}

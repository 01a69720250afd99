/**
 * Wakes subscribers when this process commits, so they need not wait for the next poll. A sequence
 * number, read before a subscriber's last read, closes the window between "found nothing" and
 * "started waiting": a commit in between makes `wait` return at once.
 */
export class CommitSignal {
  #sequence = 0;
  #closed = false;
  readonly #waiters = new Set<() => void>();

  get sequence(): number {
    return this.#sequence;
  }

  notify(): void {
    this.#sequence++;
    this.#wakeAll();
  }

  /** Ends every wait for good: the store is closing. */
  close(): void {
    this.#closed = true;
    this.#wakeAll();
  }

  /** Resolves on a commit after `seenSequence`, after `timeoutMs`, on abort or on close; never rejects. */
  wait(seenSequence: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#closed || this.#sequence !== seenSequence || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      this.#waiters.add(done);
    });
  }

  #wakeAll(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}

/**
 * Runs long-lived followers (projector, reactor, relay loops) until `until` settles or one of them
 * fails, then runs `beforeStop`, aborts the followers and waits for them: a follower that dies takes
 * the service down with it (its error is thrown) instead of leaving it half alive. On a requested
 * stop (not a failure), `afterStop` runs once the followers have stopped: the place to drain what
 * they had not reached yet (decide the last events, flush the outbox) without racing them.
 */
export async function followUntil(
  followers: readonly ((signal: AbortSignal) => Promise<void>)[],
  until: Promise<unknown>,
  beforeStop: () => Promise<void> = async () => {},
  afterStop: () => Promise<void> = async () => {},
): Promise<void> {
  const stop = new AbortController();
  const running = followers.map((follow) => follow(stop.signal));
  const failure = Promise.race(
    running.map((run) =>
      run.then(() => {
        if (!stop.signal.aborted) throw new Error('a follower stopped on its own');
      }),
    ),
  );
  failure.catch(() => {}); // reported through the race below, or irrelevant once stopping
  let requested = false;
  try {
    await Promise.race([until.then(() => (requested = true)), failure]);
  } finally {
    await beforeStop();
    stop.abort();
    await Promise.allSettled(running);
  }
  if (requested) await afterStop();
}

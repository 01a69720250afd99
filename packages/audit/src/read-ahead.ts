/**
 * What `read(0)`, `read(1)`, … resolve to, in order, with `depth` reads under way while the caller
 * works on the one handed on: the next are read (by the server, by a thread) meanwhile. `read` returns
 * null past the end.
 *
 * A read that fails while it waits its turn fails the iteration where it would be handed on: it is
 * handled from the start, so that it never ends the process as an unhandled rejection while the caller
 * is busy. Reads left under way when the caller stops early are let finish before this returns.
 */
export async function* readAhead<T>(read: (index: number) => Promise<T> | null, depth = 1): AsyncGenerator<T> {
  const asked: Promise<T>[] = [];
  let index = 0;
  let ended = false;
  const askMore = (): void => {
    while (!ended && asked.length < depth) {
      const next = read(index++);
      if (next === null) ended = true;
      else {
        next.catch(() => undefined);
        asked.push(next);
      }
    }
  };
  askMore();
  try {
    while (asked.length > 0) {
      const found = await asked.shift()!;
      askMore();
      yield found;
    }
  } finally {
    await Promise.allSettled(asked);
  }
}

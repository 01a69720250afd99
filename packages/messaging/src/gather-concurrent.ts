/**
 * Joins the calls made in the same turn of the event loop into one call of `handle`, each caller
 * getting back the slice of results for its own items, in its order. kafkajs hands the partitions of
 * one fetch to `eachBatch` concurrently; gathered, a fetch is one group commit in the ingest rather
 * than one for the first partition and one for the rest. A failure fails every caller of that call
 * (none of their offsets is committed, so all are redelivered).
 */
export function gatherConcurrent<In, Out>(
  handle: (items: readonly In[]) => Promise<readonly Out[]>,
): (items: readonly In[]) => Promise<readonly Out[]> {
  let waiting:
    { items: readonly In[]; resolve: (outs: readonly Out[]) => void; reject: (error: unknown) => void }[] | null = null;

  function run(): void {
    const callers = waiting ?? [];
    waiting = null;
    handle(callers.flatMap((caller) => caller.items)).then(
      (outs) => {
        if (outs.length !== callers.reduce((sum, caller) => sum + caller.items.length, 0)) {
          const error = new Error(
            `gathered handler returned ${outs.length} results for ${callers.length} callers' items`,
          );
          for (const caller of callers) caller.reject(error);
          return;
        }
        let at = 0;
        for (const caller of callers) {
          caller.resolve(outs.slice(at, at + caller.items.length));
          at += caller.items.length;
        }
      },
      (error: unknown) => {
        for (const caller of callers) caller.reject(error);
      },
    );
  }

  return (items) =>
    new Promise((resolve, reject) => {
      if (waiting === null) {
        waiting = [];
        // After the other workers' eachBatch calls of this fetch have started (they run on promises).
        setImmediate(run);
      }
      waiting.push({ items, resolve, reject });
    });
}

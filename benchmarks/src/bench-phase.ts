import type { Ingest } from '@tickets/ingest';

/** One measured phase of a benchmark, as a child process prints it (one JSON line). */
export interface PhaseResult {
  readonly phase: string;
  readonly events: number;
  readonly seconds: number;
  readonly perSecond: number;
  /**
   * CPU seconds the phase took, every thread of the process counted (user + system): steadier than the
   * wall time on a shared machine.
   */
  readonly cpuSeconds: number;
  /** This process's peak RSS: each phase runs in a fresh process, so it is the phase's own. */
  readonly peakRssMb: number;
  readonly note?: string;
}

/** Runs `run` and times it; `note` describes the outcome, outside the timing. */
export async function timed(
  phase: string,
  run: () => Promise<{ events: number; note?: string }>,
  describe?: () => Promise<string>,
): Promise<PhaseResult> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const outcome = await run();
  const seconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  const note = outcome.note ?? (await describe?.());
  return {
    phase,
    events: outcome.events,
    seconds: Number(seconds.toFixed(2)),
    perSecond: Math.round(outcome.events / seconds),
    cpuSeconds: Number(((user + system) / 1e6).toFixed(2)),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    ...(note === undefined ? {} : { note }),
  };
}

/** Submits events as HTTP clients posting batches of 500 would, a few requests in flight (group commit). */
export async function submitInBatches(
  ingest: Ingest,
  events: readonly unknown[],
  batch = 500,
  inFlight = 4,
): Promise<void> {
  const pending = new Set<Promise<unknown>>();
  for (let i = 0; i < events.length; i += batch) {
    const submit = ingest.submit(events.slice(i, i + batch), 'bench');
    pending.add(submit);
    void submit.finally(() => pending.delete(submit));
    if (pending.size >= inFlight) await Promise.race(pending);
  }
  await Promise.all(pending);
}

/**
 * The same from a stream of events (the input is never held whole: a phase's peak RSS stays the
 * pipeline's). Returns how many events were submitted.
 */
export async function submitStreamed(
  ingest: Ingest,
  events: AsyncIterable<unknown>,
  batch = 500,
  inFlight = 4,
): Promise<number> {
  const pending = new Set<Promise<unknown>>();
  let chunk: unknown[] = [];
  let count = 0;
  const send = async (): Promise<void> => {
    const submit = ingest.submit(chunk, 'bench');
    chunk = [];
    pending.add(submit);
    void submit.finally(() => pending.delete(submit));
    if (pending.size >= inFlight) await Promise.race(pending);
  };
  for await (const event of events) {
    chunk.push(event);
    count++;
    if (chunk.length === batch) await send();
  }
  if (chunk.length > 0) await send();
  await Promise.all(pending);
  return count;
}

import type { RejectionReason } from '@tickets/ingest';
import type { Runtime } from './runtime.js';
import { readNdjson, type NdjsonLine } from './read-ndjson.js';

export interface RejectedLine {
  readonly line: number;
  readonly id?: string;
  readonly reasons: readonly RejectionReason[];
}

export interface FeedSummary {
  readonly events: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: RejectedLine[];
  /** The latest event time among the valid events, duplicates included (null: none): where `--until` defaults to. */
  readonly latestTime: string | null;
}

/** Lines submitted together: the ingest's group commit decides them in order, as it does a batch POST. */
const FEED_BATCH = 500;

/**
 * Feeds an NDJSON file through the real ingest in file order (arrival order, never sorted by time),
 * in batches: each event is decided — routed and its rules evaluated — on the state the earlier
 * ones left, exactly as if each had been POSTed on its own, so a run is reproducible and ends where
 * any other arrival pattern of the same events ends. The projector follows once at the end.
 */
export async function feedEvents(
  runtime: Runtime,
  path: string,
  via: string,
  onProgress?: (events: number) => void,
): Promise<FeedSummary> {
  let events = 0;
  let accepted = 0;
  let duplicates = 0;
  let latestTime: string | null = null;
  const rejected: RejectedLine[] = [];
  let batch: (NdjsonLine & { ok: true })[] = [];

  const submit = async (): Promise<void> => {
    const results = await runtime.ingest.submit(
      batch.map((parsed) => parsed.value),
      via,
    );
    results.forEach((result, i) => {
      const { line } = batch[i]!;
      if (result.status !== 'rejected') {
        // Accepted or a duplicate, so its time is a valid RFC 3339 date-time.
        const time = new Date((batch[i]!.value as { time: string }).time).toISOString();
        if (latestTime === null || time > latestTime) latestTime = time;
      }
      if (result.status === 'accepted') accepted++;
      else if (result.status === 'duplicate') duplicates++;
      else rejected.push({ line, ...(result.id === undefined ? {} : { id: result.id }), reasons: result.reasons });
    });
    batch = [];
    onProgress?.(events);
  };

  for await (const parsed of readNdjson(path)) {
    events++;
    if (!parsed.ok) {
      rejected.push({
        line: parsed.line,
        reasons: [{ path: '(line)', message: parsed.message, code: 'invalid_json' }],
      });
      continue;
    }
    batch.push(parsed);
    if (batch.length >= FEED_BATCH) await submit();
  }
  if (batch.length > 0) await submit();
  // Rejections in line order, whatever batch found them.
  rejected.sort((a, b) => a.line - b.line);
  await runtime.settle();
  return { events, accepted, duplicates, rejected, latestTime };
}

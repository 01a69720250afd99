import type { RejectionReason } from '@tickets/ingest';
import type { Runtime } from './runtime.js';
import { readNdjson } from './read-ndjson.js';

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
}

/**
 * Feeds an NDJSON file through the real pipeline in file order (arrival order, never sorted by
 * time), one event at a time, letting the rule-reactor catch up after each: exactly as if each event
 * had been POSTed and fully handled before the next arrived, which makes runs reproducible. Only the
 * decider and the reactor write streams that later decisions read; the projector and the command
 * relay follow once at the end, which gives the same result.
 */
export async function feedEvents(runtime: Runtime, path: string, via: string, onProgress?: (events: number) => void): Promise<FeedSummary> {
  let events = 0;
  let accepted = 0;
  let duplicates = 0;
  const rejected: RejectedLine[] = [];
  for await (const parsed of readNdjson(path)) {
    events++;
    if (!parsed.ok) {
      rejected.push({ line: parsed.line, reasons: [{ path: '(line)', message: parsed.message, code: 'invalid_json' }] });
      continue;
    }
    const [result] = await runtime.ingest.submit([parsed.value], via);
    if (result === undefined) throw new Error('ingest returned no result');
    if (result.status === 'accepted') {
      accepted++;
      // The reactor's own records never trigger rules: one catch-up decides everything this event triggered.
      await runtime.reactor.catchUp();
    } else if (result.status === 'duplicate') duplicates++;
    else rejected.push({ line: parsed.line, ...(result.id === undefined ? {} : { id: result.id }), reasons: result.reasons });
    onProgress?.(events);
  }
  await runtime.settle();
  return { events, accepted, duplicates, rejected };
}

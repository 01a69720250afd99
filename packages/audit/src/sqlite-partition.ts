import { DatabaseSync } from 'node:sqlite';
import { TICKET_STREAM_PREFIX } from '@tickets/domain';
import type { RecordedEvent } from '@tickets/event-store';
import { INBOUND_STREAM_PREFIX } from '@tickets/streams';
import { decodeRuleDecision } from './rule-decision-text.js';

/** The event table layouts this reader knows (the SQLite adapter's `PRAGMA user_version`); 2 added the chain hash, not read here. */
const KNOWN_SCHEMAS: ReadonlySet<unknown> = new Set([1, 2]);

export interface PartitionSpec {
  readonly path: string;
  /** Read events up to this position (the head when verify started). */
  readonly head: number;
  readonly partition: number;
  readonly partitions: number;
}

// Verify reads every ticket event and inbound record. Straight from the SQLite file it can split the
// work between threads in SQL — by the last character of the ticket id, for a ticket's events and
// for the inbound records naming it alike — and take from an inbound record only its ticket and
// routing, leaving the received event (most of its bytes) unparsed, and from the metadata only the
// causation of a message and the correlation of a rule decision, the only ones verify reads.
const SELECT = `
  SELECT position, stream, version, id, type,
         CASE type WHEN 'MessageReceived' THEN metadata ->> 'causationId' WHEN 'RulesEvaluated' THEN metadata ->> 'correlationId' END,
         CASE WHEN type = 'InboundAccepted' THEN NULL ELSE data END,
         CASE WHEN type = 'InboundAccepted' THEN data ->> 'ticketId' END,
         CASE WHEN type = 'InboundAccepted' THEN data ->> 'routing' END
  FROM events
  WHERE position <= ?1
    AND ((substr(stream, 1, ${TICKET_STREAM_PREFIX.length}) = '${TICKET_STREAM_PREFIX}' AND unicode(substr(stream, -1)) % ?2 = ?3)
      OR (substr(stream, 1, ${INBOUND_STREAM_PREFIX.length}) = '${INBOUND_STREAM_PREFIX}'
          AND coalesce(unicode(substr(json_extract(data, '$.ticketId'), -1)), 0) % ?2 = ?3))
  ORDER BY position`;

type Row = [position: number, stream: string, version: number, id: string, type: string, trace: string | null, data: string | null, ticketId: string | null, routing: string | null];

/** Whether the file is a SQLite event store this reader knows. */
export function isKnownSqliteStore(path: string): boolean {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return KNOWN_SCHEMAS.has(db.prepare('PRAGMA user_version').get()?.['user_version']);
  } finally {
    db.close();
  }
}

/**
 * One partition's ticket events and inbound records, in global order, one at a time: each row's
 * objects die as soon as it is handled instead of surviving a whole page (and being promoted).
 */
export function* sqlitePartition(spec: PartitionSpec): Generator<RecordedEvent> {
  const db = new DatabaseSync(spec.path, { readOnly: true });
  try {
    const select = db.prepare(SELECT);
    select.setReturnArrays(true);
    for (const row of select.iterate(spec.head, spec.partitions, spec.partition)) {
      const [position, stream, version, id, type, trace, data, ticketId, routing] = row as unknown as Row;
      yield {
        position,
        stream,
        version,
        id,
        type,
        metadata: trace === null ? {} : type === 'MessageReceived' ? { causationId: trace } : { correlationId: trace },
        data: data === null ? { ticketId: ticketId ?? '', routing } : type === 'RulesEvaluated' ? (decodeRuleDecision(data) as unknown as RecordedEvent['data']) : (JSON.parse(data) as RecordedEvent['data']),
      };
    }
  } finally {
    db.close();
  }
}

import { isErased } from '@tickets/domain';
import type { InboundAcceptedData } from '@tickets/streams';
import { emptyColumns, type InboundColumns } from './recorded-history.js';
import type { ErasedReplay } from './what-if-report.js';

// The codec reads an erased customer's inbound records with `event.data` = "[erased]"; as JSON text
// (the direct SQLite reader) the marker is found before paying for a parse.
const ERASED_DATA = '"data":"[erased]"';

const recordOf = (record: InboundAcceptedData | string): InboundAcceptedData | null => {
  if (typeof record === 'string')
    return record.includes(ERASED_DATA) ? (JSON.parse(record) as InboundAcceptedData) : null;
  return record;
};

/**
 * The inbound records that can be decided again; records of erased customers go to `erased` and
 * their tickets to `erasedTickets` (whose recorded commands are then left out of the comparison).
 */
export function setAsideErased(
  columns: InboundColumns,
  erased: ErasedReplay[],
  erasedTickets: Set<string>,
): InboundColumns {
  const kept = emptyColumns();
  columns.records.forEach((raw, i) => {
    const record = recordOf(raw);
    const data = record === null ? undefined : (record.event as { data?: unknown; id?: unknown }).data;
    if (record !== null && isErased(data)) {
      erased.push({
        position: columns.positions[i]!,
        inboundId: String((record.event as { id?: unknown }).id),
        customerId: columns.subjects[i]!,
        recordedTicketId: record.ticketId,
      });
      erasedTickets.add(record.ticketId);
      return;
    }
    kept.positions.push(columns.positions[i]!);
    kept.keys.push(columns.keys[i]!);
    kept.subjects.push(columns.subjects[i]!);
    kept.records.push(raw);
  });
  return kept;
}

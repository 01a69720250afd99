import { TICKET_STREAM_PREFIX, type TicketEventOf } from '@tickets/domain';
import type { EventStore } from '@tickets/event-store';
import { INBOUND_STREAM_PREFIX, isInboundRecord } from '@tickets/streams';
import { emptyColumns, type RecordedCommands, type RecordedHistory } from './recorded-history.js';

const PAGE = 5_000;

/** The recorded history through the event store port: works on every store, decoding every event. */
export async function storeHistory(
  store: EventStore,
  options: { close?: () => Promise<void> } = {},
): Promise<RecordedHistory> {
  const head = await store.headPosition();
  return {
    head,
    async *pages() {
      let after = 0;
      for (;;) {
        const page = await store.readAll({
          after,
          maxCount: PAGE,
          streamPrefixes: [INBOUND_STREAM_PREFIX, TICKET_STREAM_PREFIX],
        });
        const last = page.at(-1);
        if (last === undefined) return;
        after = last.position;
        const inbound = emptyColumns();
        const commands: RecordedCommands[] = [];
        for (const recorded of page) {
          if (isInboundRecord(recorded)) {
            inbound.positions.push(recorded.position);
            inbound.keys.push(recorded.stream.slice(INBOUND_STREAM_PREFIX.length));
            inbound.subjects.push((recorded.data.event as { subject: string }).subject.trim());
            inbound.records.push(recorded.data);
          } else if (recorded.type === 'RulesEvaluated') {
            const decided = (recorded.data as unknown as TicketEventOf<'RulesEvaluated'>['data']).commands;
            if (decided.length > 0) commands.push({ position: recorded.position, commands: decided });
          }
        }
        yield { inbound, commands, skipped: [], outsideCommands: [], lastPosition: last.position };
      }
    },
    close: options.close ?? (async () => {}),
  };
}

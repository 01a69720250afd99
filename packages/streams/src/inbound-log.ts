import type { InboundEvent, RoutingKind } from '@tickets/domain';
import type { Json, NewEvent, RecordedEvent } from '@tickets/event-store';

// The inbound log: every accepted inbound event, as received, one stream each (`inbound-<key>`).
// Appending with expected version `no_stream` makes (source, id) unique in every store, and the
// global order of these streams is the arrival order that audit replays and what-if runs re-read.

export const INBOUND_STREAM_PREFIX = 'inbound-';
export const inboundStream = (key: string): string => `${INBOUND_STREAM_PREFIX}${key}`;

export interface InboundAcceptedData {
  /** The CloudEvent exactly as received (before normalisation). */
  readonly event: Json;
  /** How it arrived: http, kafka, import, simulate. */
  readonly via: string;
  /** The decision it led to, for quick audits; the domain events hold the details. */
  readonly ticketId: string;
  readonly routing: RoutingKind | null;
}

export function inboundAccepted(
  key: string,
  event: InboundEvent,
  received: Json,
  outcome: Omit<InboundAcceptedData, 'event'>,
): NewEvent {
  const data: InboundAcceptedData = { event: received, ...outcome };
  return {
    id: key,
    type: 'InboundAccepted',
    data: data as unknown as Json,
    metadata: { correlationId: event.id, causationId: key, source: event.source, inboundType: event.type },
  };
}

export const isInboundRecord = (event: RecordedEvent): event is RecordedEvent<InboundAcceptedData & Json> =>
  event.type === 'InboundAccepted';

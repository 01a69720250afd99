// Apart from the events' schemas: what folds a stream (replay, the timeline) names it without
// loading every schema of the domain.
export const ticketStream = (ticketId: string): string => `ticket-${ticketId}`;

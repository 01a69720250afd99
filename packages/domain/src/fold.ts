// `@tickets/domain/fold`: what reading a ticket's history back needs (the fold, stream names, event
// times, durations as a timeline prints them), without the package's index. The index builds every schema, the rules and the intent
// vocabulary when it loads (~0.1 s of CPU), which `tickets replay` never uses.
export { evolve } from './ticket/evolve.js';
export { ticketStream } from './ticket/ticket-stream.js';
export { EventTime, toMillis } from './shared/time.js';
export { ERASED } from './shared/erased.js';
export { formatDuration } from './shared/duration.js';
export type { TicketEvent } from './ticket/ticket-events.js';
export type { TicketState } from './ticket/ticket-state.js';

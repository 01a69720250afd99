// What `tickets replay` needs, apart from the package's index: the index also brings the followers
// and config-file loading, whose imports (platform, HTTP server, metrics, YAML) cost more CPU to load
// than reading a long ticket does.
export { ticketTimeline, walkTicketTimeline } from './ticket-timeline.js';
export type { FieldChange, TicketTimeline, TimelineEntry, TimelinePage, TimelineWalk } from './ticket-timeline.js';
export { customerTimeline } from './customer-timeline.js';
export type { CustomerTimeline } from './customer-timeline.js';
export { openDomainStore } from './open-domain-store.js';

// What `tickets replay --ticket` needs, apart from the package's index: the index also brings the
// followers and config-file loading, whose imports (platform, HTTP server, metrics, YAML) cost more
// CPU to load than reading a long ticket does. Nothing here loads the domain's index either (its
// schemas, rules and intent vocabulary): the customer timeline, which does, has an entry of its own.
export { ticketTimeline, walkTicketTimeline } from './ticket-timeline.js';
export type { FieldChange, TicketTimeline, TimelineEntry, TimelinePage, TimelineWalk } from './ticket-timeline.js';
export { openDomainStore } from './open-domain-store.js';

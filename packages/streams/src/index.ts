export { INBOUND_STREAM_PREFIX, inboundAccepted, inboundStream, isInboundRecord } from './inbound-log.js';
export type { InboundAcceptedData } from './inbound-log.js';
export {
  asCustomerEvent,
  asTicketEvent,
  customerIdOf,
  foldCustomerRecords,
  foldTicketRecords,
  StreamStateCache,
} from './stream-state.js';
export type { Loaded } from './stream-state.js';
export { subscriberLoop } from './subscriber-loop.js';
export type { SubscriberLoop, SubscriberLoopOptions } from './subscriber-loop.js';
export { diffStates, ticketTimeline, walkTicketTimeline } from './ticket-timeline.js';
export { MAX_TIMELINE_PAGE, pageNeighbours, timelinePageQuery } from './timeline-page.js';
export type { FieldChange, TicketTimeline, TimelineEntry, TimelinePage, TimelineWalk } from './ticket-timeline.js';
export { customerTimeline } from './customer-timeline.js';
export type { CustomerTicket, CustomerTimeline, RoutingDecision, TicketClose } from './customer-timeline.js';
export { lagBelow, storeReachable, subscriberLag } from './subscriber-lag.js';
export type { SubscriberLagOptions } from './subscriber-lag.js';
export { PII_FIELDS, domainPiiPolicy } from './pii-fields.js';
export { openDomainStore } from './open-domain-store.js';
export type { DomainStoreOptions, OpenedDomainStore } from './open-domain-store.js';
export type { PiiSettings } from '@tickets/platform';
export { ErasureRequest, ErasureUnavailableError, eraseCustomer, UnknownCustomerError } from './erase-customer.js';
export type { ErasureResult } from './erase-customer.js';
export {
  canonicalJson,
  CONFIG_METADATA,
  CONFIG_STREAM_PREFIX,
  configOf,
  Configuration,
  configurationHash,
  configurationRecorded,
  configStream,
  readConfiguration,
} from './config-log.js';
export type { ConfigurationRecordedData } from './config-log.js';
export { followerLeases } from './follower-lease.js';
export type { Follow, FollowerLeases, FollowerRole, LeasedFollower } from './follower-lease.js';
export { loadPolicy, loadRules, loadRulesAndPolicy, loadSecurityConfig } from './config-files.js';

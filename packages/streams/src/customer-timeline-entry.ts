// `@tickets/streams/customer-timeline`: `tickets replay --customer`, loaded only for that verb.
export { customerTimeline } from './customer-timeline.js';
export type { CustomerTimeline } from './customer-timeline.js';

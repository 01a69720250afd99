// One way to wait and one way to try again, for every package: it depends on nothing, so the
// lowest layers (the event store) may use it as well as the services.
export { delay } from './delay.js';
export { backoffDelayMs, retry } from './retry.js';
export type { Backoff, RetryOptions } from './retry.js';

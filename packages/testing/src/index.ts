export {
  agentEvent,
  AGENT_SOURCE,
  MARIE,
  messageReceived,
  nextId,
  NO_RULES,
  SMS_SOURCE,
  ticketCreated,
} from './inbound-builders.js';
export type { CustomerFixture } from './inbound-builders.js';
export { tempDir } from './temp-dir.js';
export { waitFor } from './wait-for.js';
export { prng, syntheticEvents } from './synthetic-events.js';
export { TEST_KAFKA_BROKERS } from './kafka-brokers.js';

export { createReactor, REACTOR_SUBSCRIBER } from './reactor.js';
export type { Reactor, ReactorOptions } from './reactor.js';
export { createCommandRelay, RELAY_SUBSCRIBER } from './command-relay.js';
export type { CommandRelay, CommandRelayOptions } from './command-relay.js';
// Kept for existing importers; the function now lives in the domain (shared with what-if).
export { triggerOf } from '@tickets/domain';
export type { CommandSink } from './sinks/command-sink.port.js';
export { CommandSinkError } from './sinks/command-sink.port.js';
export { createMemorySink } from './sinks/memory-sink.js';
export type { MemorySink } from './sinks/memory-sink.js';
export { createNdjsonFileSink } from './sinks/ndjson-file-sink.js';
export { createStdoutSink } from './sinks/stdout-sink.js';
export { createWebhookSink } from './sinks/webhook-sink.js';
export { createSink, parseSinkSpec, SinkSpecError } from './sinks/parse-sink-url.js';
export { runRuleReactorService } from './rule-reactor-service.js';
export type { ReactorPart, RuleReactorServiceOptions } from './rule-reactor-service.js';
export { REACTOR_PARTS } from './rule-reactor-service.js';
export { openCommandSink } from './open-command-sink.js';

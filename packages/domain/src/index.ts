// The pure domain core: schemas, the inbound decider, ticket and customer evolution, the reopen
// policy, the rules engine, intent classification and SMS segments. No I/O, no clock, no logger.

// Inbound contract
export { Channel, PHONE_CHANNELS } from './inbound/channel.js';
export {
  Customer,
  InboundEvent,
  INBOUND_TYPES,
  MessageReceivedEvent,
  MessageSentEvent,
  TicketAssignedEvent,
  TicketClosedEvent,
  TicketCreatedEvent,
  TicketTaggedEvent,
} from './inbound/inbound-event.js';
export type { InboundEventInput, InboundOf, InboundType } from './inbound/inbound-event.js';
export { restoreInbound } from './inbound/restore-inbound.js';

// Tickets
export {
  ChangeAuthor,
  PendingTimer,
  Routing,
  RoutingKind,
  TicketEvent,
  TICKET_EVENT_TYPES,
  TICKET_STREAM_PREFIX,
  ticketStream,
} from './ticket/ticket-events.js';
export type { TicketEventOf, TicketEventType } from './ticket/ticket-events.js';
export { TicketState } from './ticket/ticket-state.js';
export { CommandTicket, CommandTimer, commandTicket } from './ticket/ticket-timers.js';
export { evolve, foldTicket } from './ticket/evolve.js';
export { DEFAULT_REOPEN_POLICY, ReopenPolicy, ReopenWindow, reopenWindowFor } from './ticket/reopen-policy.js';

// Customers
export {
  CustomerErased,
  CustomerEvent,
  CUSTOMER_EVENT_TYPES,
  CUSTOMER_STREAM_PREFIX,
  customerStream,
} from './customer/customer-events.js';
export { evolveCustomer, foldCustomer, initialCustomerState } from './customer/customer-state.js';
export type { CustomerState } from './customer/customer-state.js';
export { customerAsOf } from './customer/customer-as-of.js';
export { customerAt, emptyCustomerHistory, extendCustomerHistory } from './customer/customer-history.js';
export type { CustomerHistory } from './customer/customer-history.js';

// Deciding what an inbound event does
export { decideInbound, defaultSubject, ticketsToLoad } from './decide/decide-inbound.js';
export type { DecisionContext, DomainEvent, InboundDecision, StreamWrite } from './decide/decide-inbound.js';

// The one decision for an inbound event: routing and rules, typed per stream, with its commands
export { decide, decideTimers, timersToLoad } from './decide/decide.js';
export type {
  CustomerWrite,
  DecideContext,
  Decided,
  Decision,
  RuleDecision,
  TicketWrite,
  TimersDecision,
} from './decide/decide.js';
export type { TicketLookup } from './decide/decide-inbound.js';
export { hasTimerRules, timerBookkeeping } from './timers/timer-bookkeeping.js';

// The same decision over Maps (what-if)
export { InMemoryPipeline } from './pipeline/in-memory-pipeline.js';
export type { PipelineOutcome } from './pipeline/in-memory-pipeline.js';

// Rules
export {
  Action,
  Condition,
  ConditionGroup,
  OPERATORS,
  DEFAULT_UNLESS,
  isTimerRule,
  Rule,
  RulesFile,
  TIMER_ANCHORS,
  TIMER_CANCELS,
  TimerAnchor,
  TimerCancel,
  TimerTrigger,
  Trigger,
  TRIGGERS,
} from './rules/rules-file.js';
export type { RuleInput, RulesFileInput, TimerRule } from './rules/rules-file.js';
export { DEFAULT_RULES, DEFAULT_RULES_SOURCE } from './rules/default-rules.js';
export { ActionOutcome, ConditionOutcome, RuleEvaluation, SuppressionReason } from './rules/rule-evaluation.js';
export { evaluateRules } from './rules/evaluate-rules.js';
export type { RuleTrigger, RuleTriggerDecision, RuleTriggerInput } from './rules/evaluate-rules.js';
export { evaluateConditions } from './rules/evaluate-conditions.js';
export { readField } from './rules/rule-context.js';
export type { RuleContext, RuleMessage } from './rules/rule-context.js';
export { triggerOf, triggersListenedTo } from './rules/trigger-of.js';
export { triggerView } from './rules/trigger-view.js';
export type { TriggerView } from './rules/trigger-view.js';

// Commands
export { Command, COMMAND_SOURCE } from './commands/command.js';
export type { CommandType } from './commands/command.js';

// Intent and SMS
export { classifyIntent, INTENTS } from './intent/classify-intent.js';
export type { Intent } from './intent/classify-intent.js';
export { countSmsSegments, toGsmLookalikes } from './sms/sms-segments.js';
export type { SmsEncoding, SmsSegments } from './sms/sms-segments.js';

// Shared
export { Duration, formatDuration, parseDuration } from './shared/duration.js';
export { EventTime, fromMillis, toMillis, UtcTime } from './shared/time.js';
export { commandId, deriveId, domainEventId, inboundKey, ticketIdFor } from './shared/ids.js';
export { domainError } from './shared/domain-error.js';
export type { DomainError, DomainErrorCode } from './shared/domain-error.js';
export { jsonSchemas } from './json-schemas.js';
export { ERASED, isErased } from './shared/erased.js';

// Business hours
export {
  addBusinessTime,
  businessTimeBetween,
  Calendar,
  hasHours,
  isOpen,
  localTime,
  WEEKDAYS,
} from './shared/business-hours.js';
export type { Weekday } from './shared/business-hours.js';

// Audit: `tickets verify` (the store, the read model and every recorded decision checked against a
// fresh re-decision) and `tickets what-if` (recorded history replayed under other rules or policy).
// Text output is the CLI's (services/tickets/src/commands/format-*.ts).
import type { PostgresHistoryOptions } from './postgres-history.js';
import type { RecordedHistory } from './recorded-history.js';

export { verify } from './verify.js';
export type { VerifyOptions, WorkerLimits } from './verify.js';
export { directStoreOf } from './verify-source.js';
export type { DirectStore } from './verify-plan.js';
export type {
  DecisionMismatch,
  EventRef,
  FieldDifference,
  ReadModelMismatch,
  RedecisionMismatch,
  RedecisionReport,
  VerifyReport,
} from './verify-report.js';
export { whatIf } from './what-if.js';
export type { WhatIfOptions } from './what-if.js';
export type {
  DecisionChange,
  ErasedReplay,
  OutcomeChange,
  RejectedReplay,
  RuleCounts,
  TicketOutcome,
  WhatIfReport,
} from './what-if-report.js';
export { openHistory } from './open-history.js';
export { sqliteHistory } from './sqlite-history.js';
export type { PostgresHistoryOptions } from './postgres-history.js';
/** The recorded history read straight from a PostgreSQL events table (loaded when called: it brings the client). */
export const postgresHistory = async (options: PostgresHistoryOptions): Promise<RecordedHistory | null> =>
  (await import('./postgres-history.js')).postgresHistory(options);
export { storeHistory } from './store-history.js';
export type { RecordedHistory } from './recorded-history.js';

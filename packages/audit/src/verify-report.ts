import type { ChainReport } from '@tickets/event-store';

/** Where in the store a finding points. */
export interface EventRef {
  readonly position: number;
  /** Revision in its stream. */
  readonly version: number;
  readonly id: string;
  readonly type: string;
  readonly time: string | null;
}

export interface FieldDifference {
  readonly field: string;
  readonly stored: unknown;
  readonly rebuilt: unknown;
}

/** A ticket whose stored read-model row is not what its events fold to. */
export interface ReadModelMismatch {
  readonly ticketId: string;
  readonly kind: 'differs' | 'missing_row' | 'row_without_events';
  readonly fields: readonly FieldDifference[];
  /** The first event from which the row and the events disagree (and keep disagreeing). */
  readonly firstDifferingEvent: EventRef | null;
}

/** A recorded decision that contradicts itself or the events it refers to. */
export interface DecisionMismatch {
  readonly ticketId: string | null;
  readonly kind: 'rule_decision' | 'inbound_log' | 'timer';
  readonly message: string;
  readonly event: EventRef;
}

/** Where a decision made again under its recorded configuration parts from what is stored. */
export interface RedecisionMismatch {
  readonly kind: 'differs' | 'missing_event' | 'unexpected_event' | 'order' | 'rejected' | 'configuration';
  /** The decision's inbound key, when the finding belongs to one. */
  readonly inbound: string | null;
  /** The stored event the finding points at (the inbound record when the event is missing). */
  readonly event: EventRef;
  readonly stream: string;
  /** `data.window.duration`, `data.commands[0].data.body`, …: null when the whole event is in question. */
  readonly field: string | null;
  readonly stored: unknown;
  readonly redecided: unknown;
  readonly message: string;
}

export interface RedecisionReport {
  /** The configurations recorded in the store (hashes), in the order they were recorded. */
  readonly configurations: readonly string[];
  /** Decisions made again and compared. */
  readonly decisions: number;
  /** Stored events compared with the events the decisions made again. */
  readonly events: number;
  /** Decisions not made again: the customer was erased, the input with them. */
  readonly erased: number;
  /** Inbound records that name no configuration (written before configurations were recorded): checked as before only. */
  readonly unrecorded: number;
  readonly mismatches: readonly RedecisionMismatch[];
}

export interface VerifyReport {
  readonly ok: boolean;
  /** Events read (ticket streams and the inbound log) up to the head when verify started. */
  readonly events: number;
  readonly head: number;
  readonly readModel: {
    /** The position the stored read model says it is up to: the rebuild stops there to compare. */
    readonly checkpoint: number;
    readonly tickets: number;
    /** Ticket events after the checkpoint: not projected yet, so not compared. */
    readonly notYetProjected: number;
    readonly mismatches: readonly ReadModelMismatch[];
  };
  readonly decisions: {
    readonly rulesEvaluated: number;
    readonly commands: number;
    readonly inboundRecords: number;
    readonly mismatches: readonly DecisionMismatch[];
  };
  readonly redecision: RedecisionReport;
  /** Every stream's hash chain and the store head, checked up to `head` (docs/audit.md). */
  readonly chain: ChainReport;
}

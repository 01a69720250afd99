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
}

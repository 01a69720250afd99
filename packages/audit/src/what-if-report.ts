import type { Command, DomainError, RoutingKind } from '@tickets/domain';

/** A customer message that would land differently: another kind of decision, or another ticket. */
export interface DecisionChange {
  /** Where the inbound event sits in the store (arrival order). */
  readonly position: number;
  readonly inboundId: string;
  readonly source: string;
  readonly customerId: string;
  /** The message's event time. */
  readonly time: string;
  readonly before: RoutingKind;
  readonly after: RoutingKind;
  readonly beforeTicketId: string;
  readonly afterTicketId: string;
}

/** A recorded event the re-decided run would refuse (e.g. an agent closing a ticket that would not exist). */
export interface RejectedReplay {
  readonly position: number;
  readonly inboundId: string;
  readonly source: string;
  readonly type: string;
  readonly customerId: string;
  readonly time: string;
  readonly recordedTicketId: string;
  readonly error: DomainError;
}

/**
 * A recorded event of an erased customer: its content is gone, so it cannot be decided again. Every
 * event of that customer is set aside (and the commands recorded on their tickets with it) rather
 * than guessed at; ids are kept, they are pseudonymous.
 */
export interface ErasedReplay {
  readonly position: number;
  readonly inboundId: string;
  readonly customerId: string;
  readonly recordedTicketId: string;
}

export interface RuleCounts {
  added: number;
  removed: number;
  changed: number;
}

/** One command of a ticket that the what-if run would emit differently (`time`: the what-if one, if any). */
export interface OutcomeChange {
  readonly change: 'added' | 'removed' | 'changed';
  readonly ruleId: string;
  readonly type: Command['type'];
  /** The recorded command's time (null when added). */
  readonly recordedTime: string | null;
  /** The what-if command's time (null when removed). */
  readonly whatIfTime: string | null;
  readonly commandId: string;
}

/** A ticket whose outcome changes: what its commands would become, in time order. */
export interface TicketOutcome {
  readonly ticketId: string;
  readonly changes: OutcomeChange[];
}

export interface WhatIfReport {
  readonly summary: {
    /** Recorded inbound events (all types) in the range, replayed and compared. */
    readonly events: number;
    readonly decisionsChanged: number;
    readonly commandsAdded: number;
    readonly commandsRemoved: number;
    readonly commandsChanged: number;
    readonly commandsUnchanged: number;
    readonly rejected: number;
    /** Recorded events of erased customers, not re-decided (see `erased`). */
    readonly erased: number;
    /** Every inbound event replayed, including those before `since` replayed only to build state. */
    readonly replayed: number;
  };
  /**
   * Who was decided again: every customer, or — when only the reopen windows change — the customers
   * the change can reach (the others' recorded decisions are the what-if's; see what-if-reach.ts).
   */
  readonly reach: {
    readonly narrowed: boolean;
    /** Why the reach is what it is, in a sentence. */
    readonly reason: string;
    /** Customers decided again; null when every customer was. */
    readonly customers: number | null;
    /** Inbound events decided again (the others of `summary.replayed` were only counted). */
    readonly redecided: number;
  };
  /** Filtered on event time: the inbound event's `time`, and each command's `time` (its trigger's). */
  readonly range: { readonly since: string | null; readonly until: string | null };
  /** Decision changes counted by kind, e.g. `follow_up → reopen`. */
  readonly transitions: Record<string, number>;
  readonly byRule: Record<string, RuleCounts>;
  readonly decisions: DecisionChange[];
  readonly commands: {
    readonly added: Command[];
    readonly removed: Command[];
    readonly changed: { readonly before: Command; readonly after: Command }[];
  };
  readonly rejected: RejectedReplay[];
  readonly erased: ErasedReplay[];
  /**
   * The tickets whose outcome changes (a command added, removed or changed on them), by ticket id:
   * what a changed duration or calendar does, ticket by ticket (docs/timers.md).
   */
  readonly tickets: TicketOutcome[];
}

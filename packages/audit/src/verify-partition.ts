import { evolve, TICKET_STREAM_PREFIX, type TicketState } from '@tickets/domain';
import type { RecordedEvent } from '@tickets/event-store';
import { asTicketEvent, INBOUND_STREAM_PREFIX } from '@tickets/streams';
import { DecisionAudit, type PendingTriggers } from './decision-audit.js';
import type { DecisionMismatch } from './verify-report.js';

/** What one partition of the store found: plain data, so that it crosses back from a worker thread. */
export interface PartitionResult {
  readonly events: number;
  readonly notYetProjected: number;
  /** The ticket states folded from zero, up to the read model's checkpoint. */
  readonly tickets: TicketState[];
  readonly mismatches: DecisionMismatch[];
  readonly rulesEvaluated: number;
  readonly commands: number;
  readonly inboundRecords: number;
}

/** Everything verify keeps per ticket, found with one lookup per event. */
interface TicketEntry extends PendingTriggers {
  state: TicketState | null;
}

/**
 * Verify over some tickets (all of them, or a partition): folds their events into ticket states up
 * to the read model's checkpoint, and checks their recorded decisions and the inbound log records
 * that name them. A ticket's events and the records naming it always land in the same partition.
 */
export class VerifyPartition {
  /** By stream name: the key every event already carries. */
  private readonly tickets = new Map<string, TicketEntry>();
  private readonly audit = new DecisionAudit();
  private events = 0;
  private notYetProjected = 0;

  constructor(private readonly checkpoint: number) {}

  accept(recorded: RecordedEvent): void {
    this.events++;
    const { stream } = recorded;
    if (stream.startsWith(TICKET_STREAM_PREFIX)) {
      let entry = this.tickets.get(stream);
      if (entry === undefined) this.tickets.set(stream, (entry = { state: null, pending: [] }));
      const event = asTicketEvent(recorded);
      if (recorded.position <= this.checkpoint) entry.state = evolve(entry.state, event) ?? entry.state;
      else this.notYetProjected++;
      this.audit.ticketEvent(recorded, event, stream.slice(TICKET_STREAM_PREFIX.length), entry);
    } else if (stream.startsWith(INBOUND_STREAM_PREFIX) && recorded.type === 'InboundAccepted') {
      this.audit.inboundRecord(recorded, stream.slice(INBOUND_STREAM_PREFIX.length));
    }
  }

  result(): PartitionResult {
    this.audit.finish();
    const tickets: TicketState[] = [];
    for (const entry of this.tickets.values()) if (entry.state !== null) tickets.push(entry.state);
    return {
      events: this.events,
      notYetProjected: this.notYetProjected,
      tickets,
      mismatches: this.audit.mismatches,
      rulesEvaluated: this.audit.rulesEvaluated,
      commands: this.audit.commands,
      inboundRecords: this.audit.inboundRecords,
    };
  }
}

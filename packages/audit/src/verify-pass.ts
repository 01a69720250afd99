import { TICKET_STREAM_PREFIX } from '@tickets/domain';
import { OpenedStoredEvent, type RecordedEvent } from '@tickets/event-store';
import { INBOUND_STREAM_PREFIX } from '@tickets/streams';
import { Redecision } from './redecision.js';
import { ruleDecisionHead } from './rule-decision-text.js';
import { StoredEvent } from './sqlite-stored.js';
import { VerifyPartition, type PartitionResult } from './verify-partition.js';
import type { RedecisionReport } from './verify-report.js';

/** What one pass found: plain data, so that it crosses back from a worker thread. */
export interface PassResult {
  readonly partition: PartitionResult;
  readonly redecision: RedecisionReport;
  /**
   * For each re-decision finding, the position of the event being read when it was found (after
   * every position for those found at the end): shards merged in this order list their findings as
   * one pass over the whole store does.
   */
  readonly foundAt: number[];
}

/**
 * Everything verify does with each event, in one read of the store: the fold and the decision checks
 * (ticket streams and the inbound log) and the re-decision (those, the customer streams and the
 * configurations). Over all customers, or one shard of them: a customer's events never decide
 * anything for another customer.
 */
export class VerifyPass {
  private readonly partition: VerifyPartition;
  private readonly redecision = new Redecision();
  private readonly foundAt: number[] = [];

  constructor(checkpoint: number) {
    this.partition = new VerifyPartition(checkpoint);
  }

  accept(recorded: RecordedEvent): void {
    const { stream } = recorded;
    if (stream.startsWith(TICKET_STREAM_PREFIX))
      this.partition.accept(
        recorded.type === 'RulesEvaluated' && (recorded instanceof StoredEvent || recorded instanceof OpenedStoredEvent)
          ? lite(recorded)
          : recorded,
      );
    else if (stream.startsWith(INBOUND_STREAM_PREFIX)) this.partition.accept(recorded);
    this.redecision.accept(recorded);
    while (this.foundAt.length < this.redecision.found) this.foundAt.push(recorded.position);
  }

  result(): PassResult {
    const redecision = this.redecision.finish();
    while (this.foundAt.length < redecision.mismatches.length) this.foundAt.push(Number.MAX_SAFE_INTEGER);
    return { partition: this.partition.result(), redecision, foundAt: this.foundAt };
  }
}

/**
 * A rule decision as the fold and the checks read it: most are decoded from the head of their text
 * (see ruleDecisionHead), which holds none of their personal data: a sealed one is then not opened.
 * The others are read whole, as the event itself parses (and, sealed, opens) its data — once, for the
 * fold and the re-decision alike.
 */
function lite(stored: StoredEvent | OpenedStoredEvent): RecordedEvent {
  const head = ruleDecisionHead(stored.raw);
  if (head === undefined) return stored;
  const { position, stream, version, id, type, metadata } = stored;
  return { position, stream, version, id, type, metadata, data: head as unknown as RecordedEvent['data'] };
}

import { isDeepStrictEqual } from 'node:util';
import type { Command, TicketState } from '@tickets/domain';

/** One record read from the commands topic: its id and its whole content as published. */
export interface ReceivedCommand {
  readonly id: string;
  readonly value: unknown;
}

/** What `tickets simulate` of the same events produced: the reference the pipeline must match. */
export interface BounceReference {
  readonly tickets: readonly TicketState[];
  readonly commands: readonly Command[];
  /** Inbound events the pipeline must keep (accepted by simulate) and reject (its `rejected`). */
  readonly accepted: number;
  readonly rejected: number;
}

/** What the pipeline under kills left behind once quiet. */
export interface BounceOutcome {
  readonly tickets: readonly TicketState[];
  /** Every record of the commands topic, in the order read (redeliveries included). */
  readonly commands: readonly ReceivedCommand[];
  /** Inbound records in the store (each accepted event once: the store keeps (source, id) unique). */
  readonly inboundStored: number;
  /** Records on the dead-letter topic. */
  readonly deadLetters: number;
}

export interface BounceComparison {
  readonly equal: boolean;
  readonly tickets: {
    readonly expected: number;
    readonly equal: number;
    readonly missing: string[];
    readonly extra: string[];
    readonly different: string[];
  };
  readonly commands: {
    readonly expected: number;
    readonly received: number;
    /** Repeats of an id with the same content: allowed (at-least-once), counted. */
    readonly duplicates: number;
    readonly missing: string[];
    readonly extra: string[];
    /** Ids whose content differs from simulate's, or whose repeats differ from their first copy. */
    readonly different: string[];
  };
  readonly events: {
    readonly accepted: number;
    readonly stored: number;
    readonly rejected: number;
    readonly deadLetters: number;
    readonly lost: number;
  };
  /** One line per problem, for the report; empty when equal. */
  readonly problems: string[];
}

// Objects as JSON sees them (undefined fields dropped), so an in-memory command and its Kafka copy compare equal.
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

const sample = (ids: readonly string[]): string =>
  `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? `, … (${ids.length})` : ''}`;

/**
 * The bounce test's verdict: ticket states equal simulate's, the command set equal simulate's (same
 * ids, same content; a repeat with identical content is a counted duplicate, a repeat with other
 * content is a difference), and every accepted event stored (none lost, none rejected that
 * simulate accepted).
 */
export function compareBounce(reference: BounceReference, outcome: BounceOutcome): BounceComparison {
  const expectedTickets = new Map(reference.tickets.map((t) => [t.ticketId, asJson(t)]));
  const actualTickets = new Map(outcome.tickets.map((t) => [t.ticketId, asJson(t)]));
  const tickets = {
    expected: expectedTickets.size,
    equal: 0,
    missing: [] as string[],
    extra: [] as string[],
    different: [] as string[],
  };
  for (const [id, expected] of expectedTickets) {
    const actual = actualTickets.get(id);
    if (actual === undefined) tickets.missing.push(id);
    else if (isDeepStrictEqual(actual, expected)) tickets.equal++;
    else tickets.different.push(id);
  }
  for (const id of actualTickets.keys()) if (!expectedTickets.has(id)) tickets.extra.push(id);

  const expectedCommands = new Map(reference.commands.map((c) => [c.id, asJson(c)]));
  const firstCopy = new Map<string, unknown>();
  const different = new Set<string>();
  let duplicates = 0;
  for (const { id, value } of outcome.commands) {
    const seen = firstCopy.get(id);
    if (seen === undefined) firstCopy.set(id, value);
    else {
      duplicates++;
      if (!isDeepStrictEqual(seen, value)) different.add(id);
    }
  }
  const missing: string[] = [];
  for (const [id, expected] of expectedCommands) {
    const actual = firstCopy.get(id);
    if (actual === undefined) missing.push(id);
    else if (!isDeepStrictEqual(actual, expected)) different.add(id);
  }
  const extra = [...firstCopy.keys()].filter((id) => !expectedCommands.has(id));
  const commands = {
    expected: expectedCommands.size,
    received: outcome.commands.length,
    duplicates,
    missing,
    extra,
    different: [...different],
  };

  const lost = Math.max(0, reference.accepted - outcome.inboundStored);
  const events = {
    accepted: reference.accepted,
    stored: outcome.inboundStored,
    rejected: reference.rejected,
    deadLetters: outcome.deadLetters,
    lost,
  };

  const problems: string[] = [];
  if (tickets.missing.length > 0) problems.push(`tickets missing: ${sample(tickets.missing)}`);
  if (tickets.extra.length > 0) problems.push(`tickets not in simulate: ${sample(tickets.extra)}`);
  if (tickets.different.length > 0) problems.push(`tickets with another state: ${sample(tickets.different)}`);
  if (missing.length > 0) problems.push(`commands missing: ${sample(missing)}`);
  if (extra.length > 0) problems.push(`commands not in simulate: ${sample(extra)}`);
  if (commands.different.length > 0) problems.push(`commands with other content: ${sample(commands.different)}`);
  if (outcome.inboundStored !== reference.accepted)
    problems.push(`inbound events stored ${outcome.inboundStored}, simulate accepted ${reference.accepted}`);
  if (outcome.deadLetters !== reference.rejected)
    problems.push(`dead letters ${outcome.deadLetters}, simulate rejected ${reference.rejected}`);
  return { equal: problems.length === 0, tickets, commands, events, problems };
}

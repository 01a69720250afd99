import { reopenWindowFor, toMillis, type Channel, type ReopenPolicy, type RulesFile } from '@tickets/domain';
import { canonicalJson, type Configuration } from '@tickets/streams';

// A what-if over a month of traffic re-decides every event, yet the question is often about one knob:
// "what if the Postscript window were 48 h?". The reopen policy is read in one place only — when a
// ticket closes, its window and deadline are fixed in the TicketClosed event (closeFacts) — and that
// deadline is read in one place only: when a customer message reaches the closed ticket (reopen before
// it, follow-up at or after it), and by `reopen_deadline` timers. So with the rules unchanged, a
// customer's decisions are the recorded ones, event for event, until a message would land on the other
// side of a moved deadline: before that, every decision reads the same state, the same rules and the
// same event. Only the customers where that happens are decided again; the others' recorded commands
// are the what-if's commands. Anything this argument does not cover reaches every customer.
// `what-if-equivalence.int.test.ts` holds the narrowed report equal to the full one on random histories.

/** A ticket as its TicketCreated names it: what picks its reopen window. */
export interface TicketFacts {
  readonly customerId: string;
  readonly channel: Channel;
  readonly integration: string | null;
}

/** A customer message that reached a closed ticket, as recorded. */
export interface ClosedRouting {
  /** The closed ticket: the one reopened, or the one the follow-up follows. */
  readonly closedTicketId: string;
  readonly kind: 'reopen' | 'follow_up';
  /** The message's event time. */
  readonly at: string;
  /** When the ticket closed (its recorded close facts). */
  readonly closedAt: string;
}

/** The few facts a reach check reads from a recorded history instead of deciding it. */
export interface ReachFacts {
  /** Every configuration recorded, or why one of them cannot be read. */
  readonly configurations: readonly (Configuration | { readonly invalid: string })[];
  /** Inbound records that name no configuration (decided before configurations were recorded). */
  readonly unconfigured: number;
  readonly tickets: ReadonlyMap<string, TicketFacts>;
  readonly closedRoutings: readonly ClosedRouting[];
  /** Tickets with a timer set: timers may be due at a reopen deadline, so any policy change reaches them. */
  readonly timerTickets: ReadonlySet<string>;
  /** Customers with an erased inbound record: what-if sets them aside, as the full run does. */
  readonly erasedCustomers: ReadonlySet<string>;
}

/** Which customers a changed configuration can reach: those a what-if must decide again. */
export type CustomerReach =
  | { readonly all: true; readonly reason: string }
  | {
      readonly all: false;
      readonly reason: string;
      readonly customers: ReadonlySet<string>;
      /** The inbound records of those customers, when the history counted them. */
      readonly records?: number;
    };

export const everyCustomer = (reason: string): CustomerReach & { readonly all: true } => ({ all: true, reason });

/**
 * What the recorded configurations alone say: every customer is reached when one cannot be read or
 * its rules are not `change`'s (every decision reads the rules); null when the history must tell.
 */
export function configurationReach(
  configurations: ReachFacts['configurations'],
  change: { rules: RulesFile },
): (CustomerReach & { readonly all: true }) | null {
  const invalid = configurations.find((c) => 'invalid' in c);
  if (invalid !== undefined) return everyCustomer(`a recorded configuration cannot be read: ${invalid.invalid}`);
  const rules = canonicalJson(change.rules);
  if ((configurations as Configuration[]).some((c) => canonicalJson(c.rules) !== rules))
    return everyCustomer('the rules differ from the recorded ones, and every decision reads them');
  return null;
}

/** The customers `change` can reach in the recorded history the facts describe. */
export function customerReach(facts: ReachFacts, change: { rules: RulesFile; policy: ReopenPolicy }): CustomerReach {
  const byConfiguration = configurationReach(facts.configurations, change);
  if (byConfiguration !== null) return byConfiguration;
  if (facts.unconfigured > 0)
    return everyCustomer(`${facts.unconfigured} inbound records were decided before configurations were recorded`);

  const customers = new Set(facts.erasedCustomers);
  for (const ticketId of facts.timerTickets) {
    const ticket = facts.tickets.get(ticketId);
    if (ticket === undefined) return everyCustomer(`ticket ${ticketId} has no recorded TicketCreated`);
    customers.add(ticket.customerId);
  }
  const windows = new Map<string, number>();
  for (const routing of facts.closedRoutings) {
    const ticket = facts.tickets.get(routing.closedTicketId);
    if (ticket === undefined) return everyCustomer(`ticket ${routing.closedTicketId} has no recorded TicketCreated`);
    const windowKey = `${ticket.channel}/${ticket.integration ?? ''}`;
    let ms = windows.get(windowKey);
    if (ms === undefined) windows.set(windowKey, (ms = reopenWindowFor(change.policy, ticket).ms));
    // The deadline the ticket would have had: its close time plus the window this policy gives it.
    const kind = toMillis(routing.at) < toMillis(routing.closedAt) + ms ? 'reopen' : 'follow_up';
    if (kind !== routing.kind) customers.add(ticket.customerId);
  }
  return {
    all: false,
    reason:
      'the rules are the recorded ones: only a customer with a message on the other side of a moved reopen deadline, a timer or an erased record can decide otherwise',
    customers,
  };
}

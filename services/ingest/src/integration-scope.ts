import { customerStream, ticketIdFor, ticketStream, type Channel, type InboundEvent } from '@tickets/domain';
import type { EventStore } from '@tickets/event-store';
import { ANY_INTEGRATION, type Integration } from '@tickets/platform';
import { integrationOwning } from './http/webhook-auth.js';
import type { RejectionReason } from './validate-inbound.js';

/** An integration's scope with its defaults filled in (see IntegrationScope in the secrets file). */
interface ResolvedScope {
  readonly integrations: ReadonlySet<string>;
  /** Channel names as the secrets file gave them (checked against the domain's when it was loaded). */
  readonly channels: ReadonlySet<string> | 'any';
  /** Integrations whose tickets it may act on; `any` includes tickets opened without one. */
  readonly tickets: ReadonlySet<string> | 'any';
}

export function resolveScope(integration: Integration): ResolvedScope {
  const { scope } = integration;
  const integrations = new Set(scope?.integrations ?? [integration.name]);
  const tickets = scope?.tickets ?? [integration.name];
  return {
    integrations,
    channels: scope?.channels === undefined ? 'any' : new Set(scope.channels),
    tickets: tickets.includes(ANY_INTEGRATION) ? 'any' : new Set([...tickets, ...integrations]),
  };
}

/**
 * What a ticket's first event fixed for good: whose it is. Its `integration` when the opening event
 * named one, else the integration owning the opening event's source (null: none configured does).
 */
interface TicketOwner {
  readonly integration: string | null;
  readonly customerId: string;
}

export interface ScopeCheck {
  /**
   * One entry per event, in order: null when the event stays within `integration`'s scope, else
   * why not. `events` are one request's (or one Kafka chunk's) validated events, in arrival order:
   * tickets opened by earlier ones count as known.
   */
  check(integration: Integration, events: readonly InboundEvent[]): Promise<(RejectionReason | null)[]>;
}

const outOfScope = (path: string, message: string): RejectionReason => ({ path, code: 'out_of_scope', message });

const list = (values: Iterable<string>): string => [...values].map((value) => JSON.stringify(value)).join(', ');

/**
 * The integration scope: which integration names and channels an integration's events may carry,
 * and whose tickets they may act on (an agent event's ticket, the ticket a message would land on).
 * Ticket owners are read from the store: a ticket's integration never changes once it is opened, so
 * they are cached; a customer's routes are brought up to date on each use by reading the events
 * after the last one read (one indexed read, empty when nothing changed). Other writers (another ingest, the rule-reactor)
 * append to the same streams, so nothing here trusts what it read before without that check.
 */
export function createScopeCheck(
  store: EventStore,
  integrations: readonly Integration[],
  maxCached = 10_000,
): ScopeCheck {
  const owners = new Map<string, TicketOwner>();
  const routesOf = new Map<string, { revision: number; routes: Partial<Record<Channel, string>> }>();

  /** Where the customer's next message on each channel goes, as the store has it now. */
  async function routes(customerId: string): Promise<Partial<Record<Channel, string>>> {
    const cached = routesOf.get(customerId);
    // The events after the last one read: one indexed read, which finds nothing when the stream has
    // not moved (or does not exist). No separate look at the head first: that was a second query.
    const newer = await store.readStream(customerStream(customerId), {
      fromVersion: cached === undefined ? 0 : cached.revision + 1,
    });
    if (newer.length === 0) return cached?.routes ?? {};
    const known = cached === undefined ? {} : { ...cached.routes };
    for (const record of newer) {
      if (record.type !== 'CustomerRouted') continue;
      const routed = record.data as { channel: Channel; ticketId: string };
      known[routed.channel] = routed.ticketId;
    }
    routesOf.delete(customerId);
    routesOf.set(customerId, { revision: newer[newer.length - 1]!.version, routes: known });
    if (routesOf.size > maxCached) routesOf.delete(routesOf.keys().next().value!);
    return known;
  }

  async function ownerOf(ticketId: string): Promise<TicketOwner | undefined> {
    const cached = owners.get(ticketId);
    if (cached !== undefined) return cached;
    const [first] = await store.readStream(ticketStream(ticketId), { maxCount: 1 });
    if (first?.type !== 'TicketCreated') return undefined;
    const data = first.data as { integration?: string | null; customer?: { id?: string } };
    const opener = integrationOwning(integrations, first.metadata['source'])?.name ?? null;
    const owner = { integration: data.integration ?? opener, customerId: data.customer?.id ?? '' };
    owners.set(ticketId, owner);
    if (owners.size > maxCached) owners.delete(owners.keys().next().value!);
    return owner;
  }

  return {
    async check(integration, events) {
      const scope = resolveScope(integration);
      // Tickets opened by earlier events of the same request: not in the store yet.
      const opened = new Map<string, TicketOwner>();
      const known = async (ticketId: string) => opened.get(ticketId) ?? (await ownerOf(ticketId));
      const mayTouch = (owner: TicketOwner): boolean =>
        scope.tickets === 'any' || (owner.integration !== null && scope.tickets.has(owner.integration));
      const refuseTicket = (path: string, ticketId: string, owner: TicketOwner): RejectionReason =>
        outOfScope(
          path,
          `ticket ${ticketId} belongs to ${owner.integration === null ? 'no integration' : `integration ${JSON.stringify(owner.integration)}`}; ` +
            `${integration.name} may act on tickets of ${scope.tickets === 'any' ? 'any integration' : list(scope.tickets)}`,
        );

      const results: (RejectionReason | null)[] = [];
      for (const event of events) {
        results.push(await checkOne(event));
      }
      return results;

      async function checkOne(event: InboundEvent): Promise<RejectionReason | null> {
        if (event.type === 'message.received' || event.type === 'ticket.created') {
          // Unnamed, the ticket is the sender's (the integration owning the source that opened it).
          const named = event.data.integration ?? integration.name;
          if (event.data.integration !== undefined && !scope.integrations.has(named)) {
            return outOfScope(
              'data.integration',
              `${integration.name} may not send for integration ${JSON.stringify(named)} (only ${list(scope.integrations)})`,
            );
          }
          if (scope.channels !== 'any' && !scope.channels.has(event.data.channel)) {
            return outOfScope(
              'data.channel',
              `${integration.name} may not send on channel ${JSON.stringify(event.data.channel)} (only ${list(scope.channels)})`,
            );
          }
          if (event.type === 'ticket.created') {
            opened.set(event.data.ticketId, { integration: named, customerId: event.subject });
            return null;
          }
          // The ticket the decider will pick: the one named if it is the customer's, else the one the
          // customer's messages on this channel go to, else a new one (opened for `named`).
          const requestedId = event.data.ticketId;
          const requested = requestedId === undefined ? undefined : await known(requestedId);
          if (requestedId !== undefined && requested !== undefined && requested.customerId === event.subject) {
            return mayTouch(requested) ? null : refuseTicket('data.ticketId', requestedId, requested);
          }
          const routedId = (await routes(event.subject))[event.data.channel];
          const routed = routedId === undefined ? undefined : await known(routedId);
          if (routedId !== undefined && routed !== undefined && !mayTouch(routed))
            return refuseTicket('data.channel', routedId, routed);
          // A new ticket, if the decider opens one: followers in this request find it.
          opened.set(ticketIdFor(event.source, event.id), { integration: named, customerId: event.subject });
          return null;
        }
        // Agent events: the ticket they name. An unknown one is the decider's to reject.
        const owner = await known(event.data.ticketId);
        return owner === undefined || mayTouch(owner)
          ? null
          : refuseTicket('data.ticketId', event.data.ticketId, owner);
      }
    },
  };
}

import { customerStream, ticketIdFor, ticketStream, type Channel, type InboundEvent } from '@tickets/domain';
import type { EventStore } from '@tickets/event-store';
import { ANY_INTEGRATION, rememberRecent, type Integration } from '@tickets/platform';
import { integrationOwning } from './http/webhook-auth.js';
import type { Ingest } from './ingest.js';
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

export interface ScopeCheckOptions {
  /**
   * What the ingest's own decisions left in its cache (the ingest itself, whose state no check reads
   * from the store). A customer's routes are taken from it when its revision is at least the head the
   * check looked at: the ingest writes every customer event but erasures, so it is almost always
   * current. A ticket opened for a named integration is that integration's for good: its owner is
   * taken from it whatever its revision.
   */
  readonly decided?: Partial<Pick<Ingest, 'knownCustomer' | 'knownTicket'>>;
  /** Entries of each cache (ticket owners, customers' routes); default 10,000. */
  readonly maxCached?: number;
}

type Routes = Readonly<Partial<Record<Channel, string>>>;

/** What a check has to read before it can answer: it reads, and the check is made again. */
type Read = () => Promise<void>;
const isRead = (value: unknown): value is Read => typeof value === 'function';

/**
 * The integration scope: which integration names and channels an integration's events may carry,
 * and whose tickets they may act on (an agent event's ticket, the ticket a message would land on).
 * Ticket owners are read from the store: a ticket's integration never changes once it is opened, so
 * they are cached. Other writers (another ingest instance, an erasure) append to customer streams,
 * so a customer's routes are trusted only when they are as recent as the stream's head.
 *
 * Each check starts with one look at the heads of every stream it may need (`streamVersions`: the
 * customers of its messages, the tickets it names and has not cached); streams that are absent or
 * no newer than what is known are not read. Each event is then checked synchronously, and only an
 * event that needs a read awaits one. A stream read per message, each awaited, cost more than the
 * rest of the check: ~20 µs per event on SQLite, a round trip per event on PostgreSQL.
 */
export function createScopeCheck(
  store: EventStore,
  integrations: readonly Integration[],
  options: ScopeCheckOptions = {},
): ScopeCheck {
  const { decided: ingest, maxCached = 10_000 } = options;
  const owners = new Map<string, TicketOwner>();
  const routesOf = new Map<string, { readonly revision: number; readonly routes: Routes }>();

  const remember = <V>(map: Map<string, V>, key: string, value: V): V => rememberRecent(map, key, value, maxCached);

  /** The streams a check of `events` may read, those it knows already left out. */
  function streamsToLook(events: readonly InboundEvent[]): string[] {
    const streams = new Set<string>();
    for (const event of events) {
      // A ticket.created event's ticket is the one it opens: never looked up.
      const ticketId = event.type === 'ticket.created' ? undefined : event.data.ticketId;
      if (ticketId !== undefined && !owners.has(ticketId)) streams.add(ticketStream(ticketId));
      if (event.type === 'message.received') streams.add(customerStream(event.subject));
    }
    return [...streams];
  }

  /**
   * Where the customer's next message on each channel goes, as of `head` or later (streams only
   * grow), or the read of the customer's events after those already folded.
   */
  function routesAt(customerId: string, head: number | undefined): Routes | Read {
    if (head === undefined) return {};
    const cached = routesOf.get(customerId);
    if (cached !== undefined && cached.revision >= head) return cached.routes;
    const decided = ingest?.knownCustomer?.(customerId);
    if (decided !== undefined && decided.revision >= head) return decided.state.state.routes;
    return async () => {
      const newer = await store.readStream(customerStream(customerId), {
        fromVersion: cached === undefined ? 0 : cached.revision + 1,
      });
      const routes: Partial<Record<Channel, string>> = { ...cached?.routes };
      for (const record of newer) {
        if (record.type !== 'CustomerRouted') continue;
        const routed = record.data as { channel: Channel; ticketId: string };
        routes[routed.channel] = routed.ticketId;
      }
      // At least `head`: the look saw it, so the read covers it.
      remember(routesOf, customerId, { revision: Math.max(head, newer.at(-1)?.version ?? -1), routes });
    };
  }

  return {
    async check(integration, events) {
      const scope = resolveScope(integration);
      // Tickets opened by earlier events of the same request: not in the store yet.
      const opened = new Map<string, TicketOwner>();
      const look = streamsToLook(events);
      const heads = look.length === 0 ? new Map<string, number>() : await store.streamVersions(look);
      const looked = new Set(look);
      // Tickets this check read and found no TicketCreated at the start of.
      const missing = new Set<string>();

      /** The ticket's owner; undefined: there is no such ticket (yet); or the read of its first event. */
      function ownerOf(ticketId: string): TicketOwner | undefined | Read {
        const known = opened.get(ticketId) ?? owners.get(ticketId);
        if (known !== undefined) return known;
        const stream = ticketStream(ticketId);
        // Looked at and absent, or read and not opened: the decider's to reject or to open.
        if ((looked.has(stream) && !heads.has(stream)) || missing.has(ticketId)) return undefined;
        // Opened without an integration, the owner is the one owning the opening event's source: read.
        const decided = ingest?.knownTicket?.(ticketId)?.state;
        if (decided != null && decided.integration !== null)
          return remember(owners, ticketId, { integration: decided.integration, customerId: decided.customer.id });
        // A ticket a route names was not looked at (routes are known only during the check): it is read.
        return async () => {
          const [first] = await store.readStream(stream, { maxCount: 1 });
          if (first?.type !== 'TicketCreated') return void missing.add(ticketId);
          const data = first.data as { integration?: string | null; customer?: { id?: string } };
          const opener = integrationOwning(integrations, first.metadata['source'])?.name ?? null;
          remember(owners, ticketId, { integration: data.integration ?? opener, customerId: data.customer?.id ?? '' });
        };
      }

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
        let outcome = checkNow(event);
        // Each read brings into the caches what the check lacked: the next attempt gets further.
        while (isRead(outcome)) {
          await outcome();
          outcome = checkNow(event);
        }
        results.push(outcome);
      }
      return results;

      /** The event's answer, or the read it waits for. Nothing is changed before the answer. */
      function checkNow(event: InboundEvent): RejectionReason | null | Read {
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
          const requested = requestedId === undefined ? undefined : ownerOf(requestedId);
          if (isRead(requested)) return requested;
          if (requestedId !== undefined && requested !== undefined && requested.customerId === event.subject) {
            return mayTouch(requested) ? null : refuseTicket('data.ticketId', requestedId, requested);
          }
          const routes = routesAt(event.subject, heads.get(customerStream(event.subject)));
          if (isRead(routes)) return routes;
          const routedId = routes[event.data.channel];
          const routed = routedId === undefined ? undefined : ownerOf(routedId);
          if (isRead(routed)) return routed;
          if (routedId !== undefined && routed !== undefined && !mayTouch(routed))
            return refuseTicket('data.channel', routedId, routed);
          // A new ticket, if the decider opens one: followers in this request find it.
          opened.set(ticketIdFor(event.source, event.id), { integration: named, customerId: event.subject });
          return null;
        }
        // Agent events: the ticket they name. An unknown one is the decider's to reject.
        const owner = ownerOf(event.data.ticketId);
        if (isRead(owner)) return owner;
        return owner === undefined || mayTouch(owner)
          ? null
          : refuseTicket('data.ticketId', event.data.ticketId, owner);
      }
    },
  };
}

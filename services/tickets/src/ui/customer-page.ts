import type { CustomerTicket, CustomerTimeline, RoutingDecision, TicketClose } from '@tickets/streams';
import { html, query, type Html } from './html.js';
import { pageLayout } from './page-layout.js';

const windowText = (w: { duration: string; source: string; key: string | null } | null): string =>
  w === null ? '' : `${w.duration} (${w.source}${w.key === null ? '' : ` ${w.key}`})`;

function decisionRow(d: RoutingDecision): Html {
  return html`<tr class="routing" data-kind="${d.kind}"><td><time>${d.time}</time></td><td><span class="badge ${d.kind}">${d.kind.replaceAll('_', ' ')}</span></td>
<td>${d.reason}</td><td>${windowText(d.window)}</td><td class="mono">${d.correlationId ?? d.messageId}</td></tr>`;
}

function closeRow(c: TicketClose): Html {
  return html`<tr class="close"><td><time>${c.time}</time></td><td><span class="badge closed">closed</span></td>
<td>by ${c.closedBy.type}${c.closedBy.id === undefined ? '' : ` ${c.closedBy.id}`}; reopen deadline ${c.reopenDeadline}</td><td>${windowText(c.window)}</td><td></td></tr>`;
}

function ticketSection(t: CustomerTicket, at: string | null): Html {
  // Messages and closes in stream order: each close fixes the window the next message is judged by.
  const rows = [
    ...t.routing.map((d) => ({ position: d.position, row: decisionRow(d) })),
    ...t.closes.map((c) => ({ position: c.position, row: closeRow(c) })),
  ]
    .sort((a, b) => a.position - b.position)
    .map(({ row }) => row);
  return html`<section class="ticket" data-ticket="${t.ticketId}">
  <h2><a class="mono" href="/ui/tickets/${encodeURIComponent(t.ticketId)}${query({ at: at ?? undefined })}">${t.ticketId}</a> <span class="badge ${t.status}">${t.status}</span></h2>
  <p>${t.channel}${t.integration === null ? '' : ` via ${t.integration}`} · «${t.subject}» · created ${t.createdAt} by ${t.origin === 'agent' ? 'an agent' : 'the customer'}${
    t.followUpOf === null
      ? null
      : html` · follow-up of <a class="mono" href="/ui/tickets/${encodeURIComponent(t.followUpOf)}">${t.followUpOf}</a>`
  } · reopened ${t.reopenCount}× · tags ${t.tags.length === 0 ? 'none' : t.tags.map((tag) => html`<span class="tag">${tag}</span>`)}</p>
  <table><thead><tr><th>time</th><th>decision</th><th>why</th><th>window</th><th>message</th></tr></thead><tbody>${rows}</tbody></table>
</section>`;
}

/** A customer's tickets in order, with the new / reopen / follow-up decisions and the windows used. */
export function customerPage(timeline: CustomerTimeline): Html {
  const c = timeline.customer;
  return pageLayout(
    `Customer ${timeline.customerId}`,
    html`<h1>Customer <span class="mono">${timeline.customerId}</span>${timeline.at === null ? null : html` <span class="muted">at ${timeline.at}</span>`}</h1>
<p>SMS consent: ${c.optedOutAt === null ? 'yes' : `opted out at ${c.optedOutAt}`} · last auto-reply ${c.lastAutoReplyAt ?? 'never'}</p>
<form class="at" method="get" action="/ui/customers/${encodeURIComponent(timeline.customerId)}">
  <label for="at">As of</label><input id="at" name="at" value="${timeline.at ?? ''}" placeholder="2026-03-03T07:00:00Z">
  <button type="submit">Go</button>
</form>
${timeline.tickets.length === 0 ? html`<p class="empty">No ticket by then.</p>` : timeline.tickets.map((t) => ticketSection(t, timeline.at))}`,
  );
}

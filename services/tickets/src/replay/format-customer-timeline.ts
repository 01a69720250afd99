import type { CustomerTimeline, RoutingDecision } from '@tickets/streams';
import { printable } from '../terminal-text.js';
import { configWords } from './format-ticket-timeline.js';

const KIND: Record<RoutingDecision['kind'], string> = {
  new_ticket: 'new ticket',
  open_ticket: 'added to the open ticket',
  reopen: 'reopen',
  follow_up: 'follow-up',
};

function decisionLine(d: RoutingDecision): string {
  const window =
    d.window === null
      ? ''
      : `; window ${d.window.duration} (${d.window.source}${d.window.key === null ? '' : ` ${printable(d.window.key)}`}), closed ${d.closedAt ?? '-'}, deadline ${d.reopenDeadline ?? '-'}`;
  const previous = d.previousTicketId === null || d.kind === 'reopen' ? '' : ` of ${printable(d.previousTicketId)}`;
  return `${d.time}  ${KIND[d.kind]}${previous}  (message ${printable(d.correlationId ?? d.messageId)}, intent ${d.intent}${configWords(d.config)})${window}`;
}

/** A customer's tickets in order, each with its routing decisions and the windows they used. */
export function formatCustomerTimeline(timeline: CustomerTimeline): string {
  const out = [
    `customer ${printable(timeline.customerId)}${timeline.at === null ? '' : ` as of ${timeline.at}`} — ${timeline.tickets.length} ticket${timeline.tickets.length === 1 ? '' : 's'}`,
  ];
  const c = timeline.customer;
  out.push(
    `  SMS consent: ${c.optedOutAt === null ? 'yes' : `opted out at ${c.optedOutAt}`}; last auto-reply ${c.lastAutoReplyAt ?? 'never'}`,
  );
  for (const t of timeline.tickets) {
    out.push(
      '',
      `ticket ${printable(t.ticketId)}  ${t.channel}${t.integration === null ? '' : ` via ${printable(t.integration)}`}  created ${t.createdAt} by ${t.origin === 'agent' ? 'an agent' : 'the customer'}` +
        (t.followUpOf === null ? '' : `, follow-up of ${printable(t.followUpOf)}`),
      `  «${printable(t.subject)}» — ${t.status}${t.status === 'closed' ? ` (reopen deadline ${t.reopenDeadline ?? '-'})` : ''}, reopened ${t.reopenCount}×, tags [${t.tags.map(printable).join(', ')}]`,
    );
    // Messages and closes interleaved in stream order: each close fixes the window the next message is judged by.
    const lines = [
      ...t.routing.map((d) => ({ position: d.position, line: decisionLine(d) })),
      ...t.closes.map((close) => ({
        position: close.position,
        line: `${close.time}  closed by ${close.closedBy.type}${close.closedBy.id === undefined ? '' : ` ${printable(close.closedBy.id)}`}; window ${close.window.duration} (${close.window.source}${close.window.key === null ? '' : ` ${printable(close.window.key)}`}) → reopen deadline ${close.reopenDeadline}`,
      })),
    ].sort((a, b) => a.position - b.position);
    for (const { line } of lines) out.push(`  ${line}`);
  }
  return `${out.join('\n')}\n`;
}

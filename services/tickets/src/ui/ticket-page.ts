import type { Command, RuleEvaluation, TicketState } from '@tickets/domain';
import { pageNeighbours, type FieldChange, type TicketTimeline, type TimelineEntry } from '@tickets/streams';
import { actionDetail, conditionWords, ruleOutcomeReason } from '../explain/decision-words.js';
import { sourceOf, timerLine } from '../replay/format-ticket-timeline.js';
import { html, query, type Html } from './html.js';
import { pageLayout } from './page-layout.js';

type Data = Record<string, unknown>;

const value = (v: unknown): string =>
  typeof v === 'string' ? v : v === null || v === undefined ? '–' : JSON.stringify(v);
const badge = (kind: string, text: string = kind.replaceAll('_', ' ')): Html =>
  html`<span class="badge ${kind}">${text}</span>`;

function tags(list: readonly string[]): Html {
  return list.length === 0
    ? html`<span class="muted">none</span>`
    : html`${list.map((tag) => html`<span class="tag">${tag}</span>`)}`;
}

function changeRow(change: FieldChange): Html {
  if (change.field === 'ruleFirings') {
    const firings = Object.entries((change.after ?? {}) as TicketState['ruleFirings']).map(
      ([rule, f]) => `${rule} ${f.count}× (reopen cycle ${f.lastReopenCount})`,
    );
    return html`<tr><td>rule firings</td><td class="before"></td><td class="after">${firings.join(', ')}</td></tr>`;
  }
  return html`<tr><td>${change.field}</td><td class="before">${value(change.before)}</td><td class="after">${value(change.after)}</td></tr>`;
}

function diff(entry: TimelineEntry): Html | null {
  const changes = entry.type === 'TicketCreated' ? [] : entry.changes;
  if (changes.length === 0) return null;
  return html`<table class="diff" aria-label="state changes"><thead><tr><th>field</th><th>before</th><th>after</th></tr></thead><tbody>${changes.map(changeRow)}</tbody></table>`;
}

function routing(entry: TimelineEntry): Html {
  const d = entry.event as Data;
  const r = d['routing'] as {
    kind: string;
    reason: string;
    previousTicketId?: string;
    window?: { duration: string; source: string; key: string | null };
    requestedTicketId?: string;
    requestedTicketUnknown?: boolean;
  };
  return html`<blockquote class="body">${String(d['body'])}</blockquote>
<p class="decision routing" data-kind="${r.kind}">Routing: ${badge(r.kind)} — <span class="reason">${r.reason}</span>${
    r.window === undefined
      ? null
      : html`; window ${r.window.duration} (${r.window.source}${r.window.key === null ? '' : ` ${r.window.key}`}) fixed when <a class="mono" href="/ui/tickets/${encodeURIComponent(r.previousTicketId ?? '')}">${r.previousTicketId ?? ''}</a> closed`
  }${r.requestedTicketUnknown === true ? html`; the message named ticket <span class="mono">${r.requestedTicketId ?? ''}</span>, unknown for this customer` : null}. Intent: ${badge(String(d['intent']))}</p>`;
}

function rules(entry: TimelineEntry, byId: ReadonlyMap<string, TimelineEntry>): Html {
  const d = entry.event as Data;
  const trigger = d['trigger'] as { type: string; eventId: string; version: number };
  const commands = new Map((d['commands'] as Command[]).map((c) => [c.id, c]));
  // On another page when the trigger is the first entry of this one: then its type is not shown.
  const cause = byId.get(trigger.eventId);
  const evaluations = d['evaluations'] as RuleEvaluation[];
  const rows = evaluations.map(
    (e) => html`<tr class="rule" data-rule="${e.ruleId}">
  <td class="mono">${e.ruleId}</td>
  <td>${badge(e.outcome)}${e.stoppedBy === undefined ? null : html` by <span class="mono">${e.stoppedBy}</span>`}${
    ruleOutcomeReason(e) === null ? null : html`<div class="muted reason">${ruleOutcomeReason(e)}</div>`
  }</td>
  <td><ul class="conditions">${e.conditions.map((c) => html`<li class="${c.passed ? 'pass' : 'fail'}" data-mark="${c.passed ? '✓' : '✗'}">${conditionWords(c)}</li>`)}</ul></td>
  <td><ul class="actions">${e.actions.map(
    (a) =>
      html`<li class="action ${a.status}" data-action="${a.type}">${badge(a.status)} <strong>${a.type}</strong>: ${actionDetail(a, a.commandId === undefined ? undefined : commands.get(a.commandId))}</li>`,
  )}</ul></td>
</tr>`,
  );
  return html`<p class="decision">Rules on <strong>${trigger.type}</strong>, triggered by #${trigger.version}${cause === undefined ? '' : ` ${cause.type}`}</p>
${evaluations.length === 0 ? html`<p class="muted">No rule listens to this trigger.</p>` : html`<table class="rules"><thead><tr><th>rule</th><th>outcome</th><th>conditions</th><th>actions</th></tr></thead><tbody>${rows}</tbody></table>`}`;
}

function details(entry: TimelineEntry, byId: ReadonlyMap<string, TimelineEntry>): Html | null {
  const d = entry.event as Data;
  switch (entry.type) {
    case 'TicketCreated': {
      const customer = d['customer'] as { id: string; name?: string };
      return html`<p>${d['origin'] === 'agent' ? 'Opened by an agent' : "Opened by the customer's message"} for ${customer.name ?? customer.id}, subject «${String(d['subject'])}»${
        d['followUpOf'] === null
          ? null
          : html`, follow-up of <a class="mono" href="/ui/tickets/${encodeURIComponent(String(d['followUpOf']))}">${String(d['followUpOf'])}</a>`
      }.</p>`;
    }
    case 'MessageReceived':
      return routing(entry);
    case 'MessageSent': {
      const author = d['author'] as { type: string; id?: string };
      return html`<p>Reply by ${author.type}${author.id === undefined ? '' : ` ${author.id}`}:</p><blockquote class="body">${String(d['body'])}</blockquote>`;
    }
    case 'TicketClosed': {
      const window = d['window'] as { duration: string; source: string; key: string | null };
      const by = d['closedBy'] as { type: string; id?: string };
      return html`<p class="decision">Closed by ${by.type}${by.id === undefined ? '' : ` ${by.id}`}; window ${window.duration} (${window.source}${window.key === null ? '' : ` ${window.key}`}), reopen deadline ${String(d['reopenDeadline'])}.</p>`;
    }
    case 'RulesEvaluated':
      return rules(entry, byId);
    case 'TimerSet':
    case 'TimerCancelled':
    case 'TimerFired':
      return html`<p class="decision">${timerLine(entry.type, d)}</p>`;
    default:
      return null;
  }
}

function entryItem(ticketId: string, entry: TimelineEntry, byId: ReadonlyMap<string, TimelineEntry>): Html {
  return html`<li class="${entry.type === 'RulesEvaluated' ? 'rules' : 'event'}" data-type="${entry.type}" data-version="${entry.version}">
  <div class="entry-head"><span class="mono">#${entry.version}</span> <span class="type">${entry.type}</span> <time datetime="${entry.time}">${entry.time}</time>
    <a href="/ui/tickets/${encodeURIComponent(ticketId)}${query({ at: entry.time })}">state at this time</a></div>
  <div class="entry-meta">source ${sourceOf(entry)} · correlation <span class="mono">${entry.correlationId ?? '–'}</span> · position ${entry.position}</div>
  ${details(entry, byId)}
  ${diff(entry)}
</li>`;
}

function summary(state: TicketState): Html {
  return html`<dl class="facts" aria-label="ticket state">
  <dt>status</dt><dd>${badge(state.status)}${state.status === 'closed' ? html` reopen deadline ${state.reopenDeadline ?? '–'}` : null}</dd>
  <dt>customer</dt><dd><a href="/ui/customers/${encodeURIComponent(state.customer.id)}">${state.customer.name ?? state.customer.id}</a> <span class="mono">${state.customer.id}</span></dd>
  <dt>subject</dt><dd>${state.subject}</dd>
  <dt>channel</dt><dd>${state.channel}${state.integration === null ? '' : ` via ${state.integration}`}</dd>
  <dt>tags</dt><dd class="tags">${tags(state.tags)}</dd>
  <dt>team</dt><dd>${state.team ?? '–'}</dd>
  <dt>reopened</dt><dd>${state.reopenCount}×${state.followUpOf === null ? null : html` · follow-up of <a class="mono" href="/ui/tickets/${encodeURIComponent(state.followUpOf)}">${state.followUpOf}</a>`}</dd>
  <dt>messages</dt><dd>${state.messageCount}</dd>
</dl>`;
}

/** Links to the first, previous, next and last pages of the timeline (same `at` and page size). */
function pager(timeline: TicketTimeline): Html | null {
  const { page } = timeline;
  if (page === undefined || page.total <= page.limit) return null;
  const { previous, next } = pageNeighbours(page);
  const last = Math.floor((page.total - 1) / page.limit) * page.limit;
  const href = (from: number): string =>
    `/ui/tickets/${encodeURIComponent(timeline.ticketId)}${query({ at: timeline.at ?? undefined, from: String(from), limit: String(page.limit) })}`;
  const to = (label: string, rel: string, from: number | null): Html =>
    from === null ? html`<span class="muted">${label}</span>` : html`<a rel="${rel}" href="${href(from)}">${label}</a>`;
  const shown =
    timeline.entries.length === 0
      ? 'no events'
      : `events ${page.from + 1}–${page.from + timeline.entries.length} of ${page.total}`;
  return html`<nav class="pages" aria-label="timeline pages">${to('« first', 'first', page.from === 0 ? null : 0)} · ${to('‹ previous', 'prev', previous)} · <span>${shown}</span> · ${to('next ›', 'next', next)} · ${to(
    'last »',
    'last',
    page.from >= last ? null : last,
  )}</nav>`;
}

/**
 * A ticket's timeline: its state, then the events of one page with what each changed and every
 * decision with its reasons, and links to the other pages.
 */
export function ticketPage(timeline: TicketTimeline): Html {
  const { ticketId, state } = timeline;
  const byId = new Map(timeline.entries.map((entry) => [entry.eventId, entry]));
  const total = timeline.page?.total ?? timeline.entries.length;
  return pageLayout(
    `Ticket ${ticketId}`,
    html`<h1>Ticket <span class="mono">${ticketId}</span>${timeline.at === null ? null : html` <span class="muted">at ${timeline.at}</span>`}</h1>
${state === null ? html`<p class="empty">No event of this ticket happened by then.</p>` : summary(state)}
<form class="at" method="get" action="/ui/tickets/${encodeURIComponent(ticketId)}">
  <label for="at">State at</label><input id="at" name="at" value="${timeline.at ?? ''}" placeholder="2026-03-03T07:00:00Z">
  <button type="submit">Go</button>${timeline.at === null ? null : html` <a href="/ui/tickets/${encodeURIComponent(ticketId)}">now</a>`}
</form>
<h2>Timeline (${total} events)</h2>
${pager(timeline)}
<ol class="timeline" start="${String((timeline.page?.from ?? 0) + 1)}">${timeline.entries.map((entry) => entryItem(ticketId, entry, byId))}</ol>
${pager(timeline)}`,
  );
}

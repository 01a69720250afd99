import type { Command, RuleEvaluation, TicketState } from '@tickets/domain';
import { formatDuration } from '@tickets/domain/fold';
import type { FieldChange, TicketTimeline, TimelineEntry } from '@tickets/streams';
import { actionWords, conditionWords, ruleOutcomeWords } from '../explain/decision-words.js';
import { clip, printable, show } from '../terminal-text.js';

type Data = Record<string, unknown>;

/** Who or what wrote the event: the integration it came from, or the rule-reactor. */
export function sourceOf(entry: TimelineEntry): string {
  if (entry.source !== null) return entry.source;
  const by = (entry.event as Data)['by'] as { type: string; id?: string } | undefined;
  const closedBy = (entry.event as Data)['closedBy'] as { type: string; id?: string } | undefined;
  const author = by ?? closedBy;
  if (author?.type === 'rule') return `rule ${author.id ?? ''} (rule-reactor)`.replace('  ', ' ');
  return entry.type === 'RulesEvaluated' ? 'rule-reactor' : '-';
}

function firingsText(firings: unknown): string {
  const entries = Object.entries((firings ?? {}) as TicketState['ruleFirings']);
  return entries.length === 0
    ? 'none'
    : entries.map(([rule, f]) => `${rule} ${f.count}× (last in reopen cycle ${f.lastReopenCount})`).join(', ');
}

function changeLine(change: FieldChange): string {
  if (change.field === 'ruleFirings') return `rule firings: ${firingsText(change.after)}`;
  return `${change.field}: ${show(change.before)} → ${show(change.after)}`;
}

function createdLines(entry: TimelineEntry): string[] {
  const d = entry.event as Data;
  const customer = d['customer'] as { id: string; name?: string };
  const who =
    customer.name === undefined ? printable(customer.id) : `${printable(customer.name)} (${printable(customer.id)})`;
  const origin = d['origin'] === 'agent' ? 'opened by an agent' : "opened by the customer's message";
  const followUp = d['followUpOf'] === null ? '' : `, follow-up of ${show(d['followUpOf'])}`;
  return [
    `created: ${show(d['channel'])}${d['integration'] === null ? '' : ` via ${show(d['integration'])}`} ticket for ${who}, subject «${show(d['subject'])}», ${origin}${followUp}`,
  ];
}

function messageLines(entry: TimelineEntry): string[] {
  const d = entry.event as Data;
  const routing = d['routing'] as {
    kind: string;
    reason: string;
    previousTicketId?: string;
    window?: { duration: string; source: string; key: string | null };
    requestedTicketId?: string;
    requestedTicketUnknown?: boolean;
  };
  const lines = [
    `message «${printable(clip(String(d['body']), 120))}»`,
    `routing: ${routing.kind} — ${printable(routing.reason)}`,
    `intent: ${show(d['intent'])}`,
  ];
  if (routing.window !== undefined) {
    lines.push(
      `window used: ${routing.window.duration} (${routing.window.source}${routing.window.key === null ? '' : ` ${printable(routing.window.key)}`}), fixed when ${show(routing.previousTicketId)} closed`,
    );
  }
  if (routing.requestedTicketUnknown === true)
    lines.push(
      `the message named ticket ${show(routing.requestedTicketId)}, unknown for this customer: routed by channel + customer`,
    );
  return lines;
}

function closedLines(entry: TimelineEntry): string[] {
  const d = entry.event as Data;
  const window = d['window'] as { duration: string; source: string; key: string | null };
  const by = d['closedBy'] as { type: string; id?: string };
  return [
    `window: ${window.duration} (${window.source}${window.key === null ? '' : ` ${printable(window.key)}`}), reopen deadline ${show(d['reopenDeadline'])}`,
    `closed by ${by.type}${by.id === undefined ? '' : ` ${printable(by.id)}`}`,
  ];
}

/** Event id → type of the events shown so far: a rule decision's trigger comes before it. */
type TypesById = ReadonlyMap<string, string>;

function rulesLines(entry: TimelineEntry, typesById: TypesById): string[] {
  const d = entry.event as Data;
  const trigger = d['trigger'] as { type: string; eventId: string; version: number };
  const commands = new Map((d['commands'] as Command[]).map((c) => [c.id, c]));
  const cause = typesById.get(trigger.eventId);
  const lines = [
    `rules on ${trigger.type} (${trigger.eventId}, #${trigger.version}${cause === undefined ? '' : ` ${cause}`}):`,
  ];
  const evaluations = d['evaluations'] as RuleEvaluation[];
  if (evaluations.length === 0) lines.push('  no rule listens to this trigger');
  for (const evaluation of evaluations) {
    lines.push(`  ${evaluation.ruleId}: ${ruleOutcomeWords(evaluation)}`);
    for (const c of evaluation.conditions) lines.push(`    ${c.passed ? '✓' : '✗'} ${conditionWords(c)}`);
    for (const a of evaluation.actions) {
      lines.push(
        `    → ${a.type}: ${actionWords(a, a.commandId === undefined ? undefined : commands.get(a.commandId))}${a.commandId === undefined ? '' : `  [${a.commandId}]`}`,
      );
    }
  }
  return lines;
}

/** A timer event in words: which rule's timer, why it was set, cancelled or fired (docs/timers.md). */
export function timerLine(type: 'TimerSet' | 'TimerCancelled' | 'TimerFired', d: Data): string {
  const timer = `timer ${printable(String(d['timerId']))} of rule ${printable(String(d['ruleId']))}`;
  switch (type) {
    case 'TimerSet':
      return `${timer} set: ${printable(String(d['kind']))} at ${String(d['setAt'])}, due ${String(d['dueAt'])}`;
    case 'TimerCancelled': {
      const reason = String(d['reason']);
      // An SLA clock's pause keeps the business time left (docs/timers.md#sla-targets).
      const why =
        reason === 'restarted'
          ? 'restarted by the same anchor'
          : reason === 'paused'
            ? `SLA clock paused with ${formatDuration(Number(d['remainingMs']))} of business time left`
            : `${printable(reason)} happened`;
      return `${timer} cancelled: ${why} (${printable(String(d['causedBy']))})`;
    }
    case 'TimerFired':
      return `${timer} fired at its due time ${String(d['dueAt'])} (${printable(String(d['kind']))} at ${String(d['setAt'])})`;
  }
}

/** The configuration that made the decision, by the start of its hash (`tickets config history` lists them in full). */
export const configWords = (config: string | null): string =>
  config === null ? '' : `, config ${config.slice(0, 12)}`;

function entryLines(entry: TimelineEntry, typesById: TypesById): string[] {
  const head = `#${entry.version} ${entry.time} ${entry.type}  (correlation ${printable(entry.correlationId ?? '-')}, source ${printable(sourceOf(entry))}, position ${entry.position}${configWords(entry.config)})`;
  const body: string[] = [];
  switch (entry.type) {
    case 'TicketCreated':
      return [head, ...createdLines(entry).map((l) => `  ${l}`)];
    case 'MessageReceived':
      body.push(...messageLines(entry));
      break;
    case 'MessageSent': {
      const d = entry.event as Data;
      const author = d['author'] as { type: string; id?: string };
      body.push(
        `reply by ${author.type}${author.id === undefined ? '' : ` ${printable(author.id)}`}: «${printable(clip(String(d['body']), 120))}»`,
      );
      break;
    }
    case 'TicketClosed':
      body.push(...closedLines(entry));
      break;
    case 'RulesEvaluated':
      body.push(...rulesLines(entry, typesById));
      break;
    case 'TimerSet':
    case 'TimerCancelled':
    case 'TimerFired':
      body.push(timerLine(entry.type, entry.event as Data));
      break;
    default:
      break;
  }
  return [head, ...body.map((l) => `  ${l}`), ...entry.changes.map((change) => `  ${changeLine(change)}`)];
}

/**
 * A terminal rendering built as the timeline is walked, a page of entries at a time: only the lines
 * are kept, not the entries (a 10k-event ticket's folded states were most of replay's memory). The
 * heading counts the events, so the text is handed out at the end, in pieces (joining 5 MB of text
 * into one string only to encode it again cost more than the encoding).
 */
export class TicketTimelineText {
  /** Each page's lines joined into one string: the lines themselves die young, and cheaply. */
  readonly #pages: string[] = [];
  // By id, for each rule decision's trigger: a search per decision made long tickets quadratic.
  readonly #typesById = new Map<string, string>();
  #count = 0;

  add(entries: readonly TimelineEntry[]): void {
    if (entries.length === 0) return;
    const lines: string[] = [];
    for (const entry of entries) {
      this.#typesById.set(entry.eventId, entry.type);
      lines.push('', ...entryLines(entry, this.#typesById));
      this.#count++;
    }
    this.#pages.push(lines.join('\n'));
  }

  /** The text in pieces: the heading, one block per event — source, correlation, what changed — and the state. */
  *pieces(timeline: Pick<TicketTimeline, 'ticketId' | 'at' | 'state'>): Generator<string> {
    yield `ticket ${printable(timeline.ticketId)}${timeline.at === null ? '' : ` at ${timeline.at}`} — ${this.#count} events`;
    for (const page of this.#pages) {
      yield '\n';
      yield page;
    }
    const state = timeline.state;
    if (state !== null) {
      yield `\n\nstate: ${state.status}, tags [${state.tags.map(printable).join(', ')}], team ${printable(state.team ?? '-')}, reopened ${state.reopenCount}×, ${state.messageCount} messages${state.status === 'closed' ? `, reopen deadline ${state.reopenDeadline ?? '-'}` : ''}`;
    }
    yield '\n';
  }
}

/** A terminal rendering: one block per event — source, correlation, what changed — and every rule decision with its reasons. */
export function formatTicketTimeline(timeline: TicketTimeline): string {
  const text = new TicketTimelineText();
  text.add(timeline.entries);
  return [...text.pieces(timeline)].join('');
}

import type { Command } from '@tickets/domain';
import { describeCommand } from '../describe-command.js';
import { printable } from '../terminal-text.js';
import { textTable } from '../text-table.js';
import type { WhatIfReport } from '@tickets/audit';

export interface WhatIfTextOptions {
  /** Where the rules and the policy came from, for the header. */
  readonly rules: string;
  readonly policy: string;
  /** Examples shown per list; `--json` has them all. */
  readonly examples: number;
}

const commandLine = (c: Command): string =>
  `${c.time}  ${c.data.ruleId}  ${c.type} on ${c.subject} — ${describeCommand(c)}  [${c.id}]`;

function list<T>(title: string, items: readonly T[], max: number, line: (item: T) => string[]): string[] {
  const out = ['', `${title} (${items.length})`];
  for (const item of items.slice(0, max)) out.push(...line(item).map((l, i) => (i === 0 ? `  ${l}` : `      ${l}`)));
  if (items.length > max) out.push(`  … ${items.length - max} more (--examples N, or --json for all)`);
  return out;
}

/** The summary table first, then the per-rule counts, then examples of every difference. */
export function formatWhatIf(report: WhatIfReport, options: WhatIfTextOptions): string {
  const { summary, range } = report;
  const scope =
    range.since === null && range.until === null
      ? 'all recorded traffic'
      : `event time from ${range.since ?? 'the start'} until ${range.until ?? 'the end'}`;
  const out = [
    `what-if: ${scope} re-decided with rules ${printable(options.rules)} and policy ${printable(options.policy)}`,
    `(in memory: nothing was written to the store, nothing was published)`,
    ...(report.reach.narrowed
      ? [
          `decided again: ${report.reach.customers} customers, ${report.reach.redecided} of ${summary.replayed} inbound events (--redecide-all: everyone)`,
          `  ${report.reach.reason}`,
        ]
      : []),
    '',
    'summary',
    ...textTable([
      ['inbound events compared', summary.events],
      ...(summary.replayed === summary.events
        ? []
        : [['replayed in all (state before the range)', summary.replayed] as const]),
      ['routing decisions changed', summary.decisionsChanged],
      ['commands added', summary.commandsAdded],
      ['commands removed', summary.commandsRemoved],
      ['commands changed', summary.commandsChanged],
      ['commands unchanged', summary.commandsUnchanged],
      ['events that would be rejected', summary.rejected],
      ...(summary.erased === 0 ? [] : [['events of erased customers (not re-decided)', summary.erased] as const]),
    ]),
  ];
  const transitions = Object.entries(report.transitions);
  if (transitions.length > 0) out.push('', 'routing changes (recorded → what-if)', ...textTable(transitions));
  const rules = Object.entries(report.byRule);
  if (rules.length > 0) {
    out.push(
      '',
      'commands per rule',
      ...textTable([
        ['rule', 'added', 'removed', 'changed'],
        ...rules.map(([id, c]) => [printable(id), c.added, c.removed, c.changed]),
      ]),
    );
  }
  const max = options.examples;
  out.push(
    ...list('tickets whose outcome changes', report.tickets, max, (t) => [
      `${t.ticketId}`,
      ...t.changes.map((c) => {
        const when =
          c.change === 'changed'
            ? `${c.recordedTime} → ${c.whatIfTime}`
            : c.change === 'added'
              ? `added at ${c.whatIfTime}`
              : `removed (was ${c.recordedTime})`;
        return `${c.type} (${printable(c.ruleId)}): ${when}`;
      }),
    ]),
  );
  out.push('', 'details');
  out.push(
    ...list('routing decisions', report.decisions, max, (d) => [
      `${d.time}  ${printable(d.inboundId)} from customer ${printable(d.customerId)}: ${d.before} on ${d.beforeTicketId} → ${d.after} on ${d.afterTicketId}`,
    ]),
    ...list('commands added', report.commands.added, max, (c) => [commandLine(c)]),
    ...list('commands removed', report.commands.removed, max, (c) => [commandLine(c)]),
    ...list('commands changed', report.commands.changed, max, ({ before, after }) => [
      `${after.time}  ${after.data.ruleId}  ${after.type} on ${after.subject}  [${after.id}]`,
      `recorded: ${describeCommand(before)}`,
      `what-if:  ${describeCommand(after)}`,
    ]),
  );
  if (report.rejected.length > 0) {
    out.push(
      ...list('recorded events the what-if run would reject', report.rejected, max, (r) => [
        `${r.time}  ${r.type} ${printable(r.inboundId)} on ${printable(r.recordedTicketId)}: ${printable(r.error.message)}`,
      ]),
    );
  }
  if (report.erased.length > 0) {
    out.push(
      ...list(
        "events of erased customers, set aside (their content is gone; their tickets' commands are not compared)",
        report.erased,
        max,
        (e) => [`${printable(e.inboundId)} of customer ${printable(e.customerId)} on ${printable(e.recordedTicketId)}`],
      ),
    );
  }
  return `${out.join('\n')}\n`;
}

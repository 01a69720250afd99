import { printable, show } from '../terminal-text.js';
import type { EventRef, VerifyReport } from '@tickets/audit';
import { formatChain } from './format-chain.js';

const ref = (event: EventRef | null): string =>
  event === null
    ? 'no event'
    : `#${event.version} ${event.type}${event.time === null ? '' : ` at ${event.time}`} (position ${event.position}, id ${event.id})`;

function redecisionLine({ redecision: r }: VerifyReport): string {
  if (r.configurations.length === 0)
    return '  re-decision: no configuration recorded in this store (written before configurations were recorded): decisions checked for consistency only';
  const erased = r.erased > 0 ? `, ${r.erased} of erased customers not re-decided` : '';
  const unrecorded =
    r.unrecorded > 0
      ? `, ${r.unrecorded} earlier ones recorded without configuration (checked for consistency only)`
      : '';
  return `  re-decision: ${r.decisions} decision${r.decisions === 1 ? '' : 's'} made again under ${r.configurations.length} recorded configuration${r.configurations.length === 1 ? '' : 's'}, ${r.events} stored events compared${erased}${unrecorded}, ${r.mismatches.length} differing`;
}

/** A verdict first, then every mismatch with its ticket and the event it points at. */
export function formatVerify(report: VerifyReport, options: { examples: number }): string {
  const { readModel, decisions } = report;
  const out = [
    `verify: ${report.ok ? 'OK' : 'MISMATCH'} — ${report.events} events read up to position ${report.head}`,
    `  read model: ${readModel.tickets} tickets rebuilt up to its checkpoint ${readModel.checkpoint}, ${readModel.mismatches.length} mismatching` +
      (readModel.notYetProjected > 0
        ? ` (${readModel.notYetProjected} later ticket events not projected yet, not compared)`
        : ''),
    `  decisions: ${decisions.rulesEvaluated} rule decisions with ${decisions.commands} commands, ${decisions.inboundRecords} inbound log records, ${decisions.mismatches.length} inconsistent`,
    redecisionLine(report),
  ];
  const chain = formatChain(report.chain, options);
  out.push(...chain.filter((line) => line.startsWith('  ')));
  const max = options.examples;
  for (const m of readModel.mismatches.slice(0, max)) {
    out.push(
      '',
      `ticket ${printable(m.ticketId)}: ${m.kind.replaceAll('_', ' ')}; first differing event ${ref(m.firstDifferingEvent)}`,
    );
    for (const f of m.fields)
      out.push(`  ${f.field}: stored ${show(f.stored)}, rebuilt from events ${show(f.rebuilt)}`);
  }
  if (readModel.mismatches.length > max)
    out.push('', `… ${readModel.mismatches.length - max} more read-model mismatches (--json for all)`);
  for (const m of decisions.mismatches.slice(0, max)) {
    out.push(
      '',
      `${m.kind.replaceAll('_', ' ')}${m.ticketId === null ? '' : ` on ticket ${printable(m.ticketId)}`}: ${printable(m.message)}`,
      `  at ${ref(m.event)}`,
    );
  }
  if (decisions.mismatches.length > max)
    out.push('', `… ${decisions.mismatches.length - max} more decision mismatches (--json for all)`);
  const redecided = report.redecision.mismatches;
  for (const m of redecided.slice(0, max)) {
    const where = `${m.kind.replaceAll('_', ' ')} in ${printable(m.stream)}${m.inbound === null ? '' : ` (decision of inbound ${printable(m.inbound)})`}`;
    out.push('', `re-decision: ${where}${m.message === '' ? '' : `: ${printable(m.message)}`}`, `  at ${ref(m.event)}`);
    if (m.field !== null)
      out.push(`  ${printable(m.field)}: stored ${show(m.stored)}, re-decided ${show(m.redecided)}`);
    else if (m.redecided !== null) out.push(`  re-decided ${show(m.redecided)}`);
  }
  if (redecided.length > max) out.push('', `… ${redecided.length - max} more re-decision mismatches (--json for all)`);
  out.push(...chain.filter((line) => !line.startsWith('  ')));
  return `${out.join('\n')}\n`;
}

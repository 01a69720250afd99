import { printable, show } from '../terminal-text.js';
import type { EventRef, VerifyReport } from './verify-report.js';

const ref = (event: EventRef | null): string =>
  event === null ? 'no event' : `#${event.version} ${event.type}${event.time === null ? '' : ` at ${event.time}`} (position ${event.position}, id ${event.id})`;

/** A verdict first, then every mismatch with its ticket and the event it points at. */
export function formatVerify(report: VerifyReport, options: { examples: number }): string {
  const { readModel, decisions } = report;
  const out = [
    `verify: ${report.ok ? 'OK' : 'MISMATCH'} — ${report.events} events read up to position ${report.head}`,
    `  read model: ${readModel.tickets} tickets rebuilt up to its checkpoint ${readModel.checkpoint}, ${readModel.mismatches.length} mismatching` +
      (readModel.notYetProjected > 0 ? ` (${readModel.notYetProjected} later ticket events not projected yet, not compared)` : ''),
    `  decisions: ${decisions.rulesEvaluated} rule decisions with ${decisions.commands} commands, ${decisions.inboundRecords} inbound log records, ${decisions.mismatches.length} inconsistent`,
  ];
  const max = options.examples;
  for (const m of readModel.mismatches.slice(0, max)) {
    out.push('', `ticket ${printable(m.ticketId)}: ${m.kind.replaceAll('_', ' ')}; first differing event ${ref(m.firstDifferingEvent)}`);
    for (const f of m.fields) out.push(`  ${f.field}: stored ${show(f.stored)}, rebuilt from events ${show(f.rebuilt)}`);
  }
  if (readModel.mismatches.length > max) out.push('', `… ${readModel.mismatches.length - max} more read-model mismatches (--json for all)`);
  for (const m of decisions.mismatches.slice(0, max)) {
    out.push('', `${m.kind.replaceAll('_', ' ')}${m.ticketId === null ? '' : ` on ticket ${printable(m.ticketId)}`}: ${printable(m.message)}`, `  at ${ref(m.event)}`);
  }
  if (decisions.mismatches.length > max) out.push('', `… ${decisions.mismatches.length - max} more decision mismatches (--json for all)`);
  return `${out.join('\n')}\n`;
}

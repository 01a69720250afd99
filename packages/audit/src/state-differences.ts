import type { TicketState } from '@tickets/domain';
import { jsonEqual } from './json-equal.js';
import type { FieldDifference } from './verify-report.js';

/** The fields where a stored row and a rebuilt state disagree (every field of the state, version included). */
export function stateDifferences(stored: TicketState, rebuilt: TicketState): FieldDifference[] {
  const fields = new Set([...Object.keys(rebuilt), ...Object.keys(stored)]);
  const differences: FieldDifference[] = [];
  for (const field of fields) {
    const a = (stored as unknown as Record<string, unknown>)[field];
    const b = (rebuilt as unknown as Record<string, unknown>)[field];
    if (!jsonEqual(a, b)) differences.push({ field, stored: a ?? null, rebuilt: b ?? null });
  }
  return differences;
}

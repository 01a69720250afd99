import { readField, type RuleContext } from './rule-context.js';

// `{{ field }}` with optional spaces; the name is plain dotted letters, so nothing is ever evaluated.
const PLACEHOLDER = /\{\{\s*([A-Za-z]+(?:\.[A-Za-z]+)*)\s*\}\}/g;

/** Fields only templates need (a condition on an id is never useful, a note naming it is). */
function readTemplateField(ctx: RuleContext, field: string): unknown {
  if (field === 'ticket.ticketId') return ctx.ticket.ticketId;
  return readField(ctx, field);
}

function display(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(display).join(', ');
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/**
 * Fills `{{ field }}` placeholders from the rule context. Absent and unknown fields render as an
 * empty string, so template syntax never reaches a customer.
 */
export function renderTemplate(template: string, ctx: RuleContext): string {
  return template.replace(PLACEHOLDER, (_match, field: string) => display(readTemplateField(ctx, field)));
}

import { InboundEvent } from '@tickets/domain';
import type { z } from 'zod';
import { jsonShapeProblem } from './json-shape.js';

/** One reason an inbound event was refused: the field at fault and what is wrong with it. */
export interface RejectionReason {
  readonly path: string;
  readonly message: string;
  readonly code: string;
}

export type Validation =
  | { readonly ok: true; readonly event: InboundEvent }
  | { readonly ok: false; readonly id?: string; readonly reasons: readonly RejectionReason[] };

const pathOf = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );

export const reasonsFromZod = (issues: readonly z.core.$ZodIssue[]): RejectionReason[] =>
  issues.map((issue) => ({ path: pathOf(issue.path) || '(event)', message: issue.message, code: issue.code }));

/** Validates one inbound CloudEvent with the domain's zod schema; never throws. */
export function validateInbound(raw: unknown): Validation {
  // Before the schema: a value the store cannot hold is refused here, never at append time.
  const shape = jsonShapeProblem(raw);
  if (shape !== null) {
    const id = readableId(raw);
    return id === undefined ? { ok: false, reasons: [shape] } : { ok: false, id, reasons: [shape] };
  }
  const names = attributeNameProblems(raw);
  if (names.length > 0) {
    const id = readableId(raw);
    return id === undefined ? { ok: false, reasons: names } : { ok: false, id, reasons: names };
  }
  const parsed = InboundEvent.safeParse(raw);
  if (parsed.success) return { ok: true, event: parsed.data };
  const id = readableId(raw);
  const reasons = reasonsFromZod(parsed.error.issues);
  return id === undefined ? { ok: false, reasons } : { ok: false, id, reasons };
}

function readableId(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const id = (raw as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}

// CloudEvents: attribute names are lower-case ASCII letters and digits. Extension attributes are
// kept (and sealed as personal data) by name in the inbound log, which needs names like these.
const ATTRIBUTE_NAME = /^[a-z0-9]{1,64}$/;

function attributeNameProblems(raw: unknown): RejectionReason[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [];
  return (
    Object.keys(raw)
      .filter((name) => !ATTRIBUTE_NAME.test(name))
      .slice(0, 10)
      // The name goes in the message only: paths are logged, and a name is whatever the sender chose.
      .map((name) => ({
        path: '(attribute name)',
        code: 'invalid_attribute_name',
        message: `${JSON.stringify(name.slice(0, 80))}: a CloudEvents attribute name is 1 to 64 lower-case letters and digits`,
      }))
  );
}

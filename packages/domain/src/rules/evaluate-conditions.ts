import type { Condition, ConditionGroup, ConditionNode, Operator } from './rules-file.js';
import type { ConditionOutcome } from './rule-evaluation.js';
import { readField, type RuleContext } from './rule-context.js';

export interface ConditionsResult {
  passed: boolean;
  /** Every condition of the tree, in document order, with what was compared. */
  outcomes: ConditionOutcome[];
}

const isPresent = (value: unknown): boolean => value !== undefined && value !== null;

/** Lower-cased NFC text: "élodie" must match "Élodie" whether typed composed or decomposed. */
// Stryker disable next-line MethodExpression: upper-casing folds French, English and Spanish alike (they differ on ß and ı only)
const fold = (text: string): string => text.normalize('NFC').toLowerCase();

// A strict ISO 8601 / RFC 3339 date-time: only such strings compare as times, never free text.
// Stryker disable next-line Regex: without ^ or $ it is equivalent (Date.parse gives NaN for text around a time)
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/**
 * Numbers compare as numbers, ISO times as instants; anything else is not ordered: NaN, which is
 * neither greater nor less than anything (nor is a time Date cannot read, such as month 13).
 */
function orderKey(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && ISO_TIME.test(value)) return Date.parse(value);
  return Number.NaN;
}

/** Strict equality; two lists are equal when they hold the same elements, in any order and number (tags are a set). */
function equals(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual) && Array.isArray(expected)) {
    return actual.every((a) => expected.includes(a)) && expected.every((e) => actual.includes(e));
  }
  return actual === expected;
}

/**
 * A list holds the element exactly (tags are identifiers); a text holds it case-insensitively,
 * because a subject and a customer name are typed by different people ("DUPONT" vs "Dupont").
 */
function contains(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual)) return actual.includes(expected);
  if (typeof actual === 'string' && (typeof expected === 'string' || typeof expected === 'number')) {
    return fold(actual).includes(fold(String(expected)));
  }
  return false;
}

function matches(actual: unknown, pattern: unknown): boolean {
  if (typeof pattern !== 'string') return false;
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'ui');
  } catch {
    // Only a `valueFrom` pattern can be invalid here (the rules schema checks literals): no match.
    return false;
  }
  // A list (tags) matches when one of its elements does.
  const texts = Array.isArray(actual) ? actual : [actual];
  return texts.some((text) => typeof text === 'string' && regex.test(text));
}

/**
 * One operator applied to the values read. `actual` absent: only `neq`, `not_contains` and
 * `not_exists` hold (an absent field is not equal to anything and contains nothing).
 */
function apply(op: Operator, actual: unknown, expected: unknown): boolean {
  switch (op) {
    case 'eq':
      return equals(actual, expected);
    case 'neq':
      return !equals(actual, expected);
    case 'in': {
      const list: readonly unknown[] = Array.isArray(expected) ? expected : [expected];
      if (Array.isArray(actual)) return actual.some((a) => list.includes(a));
      // null is a value here (`ticket.team in [null, "Billing"]`: unassigned or Billing). An absent
      // field (undefined) is in no list: JSON lists cannot hold it, and an absent valueFrom failed above.
      return list.includes(actual);
    }
    case 'contains':
      return contains(actual, expected);
    case 'not_contains':
      return !isPresent(actual) || !contains(actual, expected);
    case 'matches':
      return matches(actual, expected);
    case 'exists':
      return isPresent(actual);
    case 'not_exists':
      return !isPresent(actual);
    case 'gt':
    case 'lt': {
      const a = orderKey(actual);
      const e = orderKey(expected);
      return op === 'gt' ? a > e : a < e;
    }
    default: {
      const unexpected: never = op;
      throw new Error(`unknown operator ${String(unexpected)}`);
    }
  }
}

/** Copies lists so an outcome never shares an array with the working ticket it was read from. */
const snapshot = (value: unknown): unknown => (Array.isArray(value) ? [...value] : value);

function evaluateCondition(condition: Condition, ctx: RuleContext, path: string): ConditionOutcome {
  const actual = readField(ctx, condition.field);
  const usesValue = condition.op !== 'exists' && condition.op !== 'not_exists';
  const expected = condition.valueFrom !== undefined ? readField(ctx, condition.valueFrom) : condition.value;
  // A comparison with an absent reference fails whatever the operator (even neq / not_contains):
  // "subject contains the customer's name" must not pass for a customer without a name. A null
  // reference is a value (no team, not a follow-up) and is compared like any other. (The rules
  // schema gives every comparison a `value` or a `valueFrom`: only a `valueFrom` can be absent.)
  const referenceMissing = usesValue && expected === undefined;
  const passed = !referenceMissing && apply(condition.op, actual, expected);

  // Absent values are left out rather than stored as undefined, so a recorded outcome reads back
  // equal; keys follow the schema's order for the same reason.
  return {
    path,
    field: condition.field,
    op: condition.op,
    ...(usesValue && expected !== undefined ? { expected: snapshot(expected) } : {}),
    ...(condition.valueFrom !== undefined ? { valueFrom: condition.valueFrom } : {}),
    ...(actual !== undefined ? { actual: snapshot(actual) } : {}),
    passed,
  };
}

const isCondition = (node: ConditionNode): node is Condition => 'field' in node;

function evaluateGroup(group: ConditionGroup, ctx: RuleContext, prefix: string, outcomes: ConditionOutcome[]): boolean {
  // Every node is evaluated (no short-circuit) so the audit trail shows each condition's value.
  const evaluateList = (key: 'all' | 'any', nodes: readonly ConditionNode[]): boolean[] =>
    nodes.map((node, i) => {
      const path = `${prefix}${key}[${i}]`;
      if (isCondition(node)) {
        const outcome = evaluateCondition(node, ctx, path);
        outcomes.push(outcome);
        return outcome.passed;
      }
      return evaluateGroup(node, ctx, `${path}.`, outcomes);
    });

  const all = evaluateList('all', group.all ?? []);
  const any = evaluateList('any', group.any ?? []);
  // An empty list constrains nothing (like an absent one); when both are given, both must hold.
  return all.every(Boolean) && (any.length === 0 || any.some(Boolean));
}

/** Whether a rule's `if` holds in this context; no `if` at all always holds. */
export function evaluateConditions(group: ConditionGroup | undefined, ctx: RuleContext): ConditionsResult {
  const outcomes: ConditionOutcome[] = [];
  const passed = group === undefined ? true : evaluateGroup(group, ctx, '', outcomes);
  return { passed, outcomes };
}

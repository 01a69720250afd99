import type { ActionOutcome, Command, ConditionOutcome, RuleEvaluation } from '@tickets/domain';
import { describeCommand } from '../describe-command.js';
import { show } from '../terminal-text.js';

// The words a support engineer reads for a recorded rule decision, shared by `tickets replay` and
// the timeline page so both explain a decision the same way. Plain text: callers escape for HTML.

/** Why a rule did not act on a trigger, in plain words; null when it fired. */
export function ruleOutcomeReason(evaluation: RuleEvaluation): string | null {
  switch (evaluation.outcome) {
    case 'fired':
      return null;
    case 'not_matched':
      return 'a condition failed';
    case 'disabled':
      return 'the rule is switched off';
    case 'skipped_once':
      return 'it already fired on this ticket (once: per_ticket) or in this reopen cycle (once: per_reopen)';
    case 'skipped_stop':
      return 'that rule fired first and has stop: no later rule runs for this trigger';
    default: {
      const unexpected: never = evaluation.outcome;
      return String(unexpected);
    }
  }
}

/** The recorded outcome of a rule and why: `skipped_stop by sms-thanks-autoclose — that rule fired first …`. */
export function ruleOutcomeWords(evaluation: RuleEvaluation): string {
  const by = evaluation.outcome === 'skipped_stop' ? ` by ${evaluation.stoppedBy ?? 'an earlier rule'}` : '';
  const reason = ruleOutcomeReason(evaluation);
  return `${evaluation.outcome}${by}${reason === null ? '' : ` — ${reason}`}`;
}

const SUPPRESSED: Record<NonNullable<ActionOutcome['reason']>, string> = {
  rate_limited: 'the auto-reply rate limit: at most one auto-reply per customer in that time',
  opted_out: 'the customer opted out of SMS (STOP)',
  no_recipient: 'no address for the customer on this channel',
  no_change: 'already so, nothing to change',
};

/** An action's effect: the command it emitted, or the suppression reason code, its detail and plain words. */
export function actionDetail(action: ActionOutcome, command: Command | undefined): string {
  if (action.status === 'emitted') return command === undefined ? (action.commandId ?? '') : describeCommand(command);
  if (action.reason === undefined) return '';
  return `(${action.reason}${action.detail === undefined ? '' : `: ${show(action.detail)}`}) — ${SUPPRESSED[action.reason]}`;
}

/** What became of one action: `emitted: add tag x`, `suppressed (rate_limited: …) — …`. */
export function actionWords(action: ActionOutcome, command: Command | undefined): string {
  const detail = actionDetail(action, command);
  return action.status === 'emitted'
    ? `emitted${detail === '' ? '' : `: ${detail}`}`
    : `suppressed${detail === '' ? '' : ` ${detail}`}`;
}

/** One condition as it was checked: what was compared, and the value found. */
export function conditionWords(condition: ConditionOutcome): string {
  const compared =
    condition.op === 'exists' || condition.op === 'not_exists'
      ? ''
      : condition.valueFrom === undefined
        ? ` ${show(condition.expected)}`
        : ` ${condition.valueFrom} = ${condition.expected === undefined ? 'absent' : show(condition.expected)}`;
  return `${condition.field} ${condition.op}${compared} (was ${condition.actual === undefined ? 'absent' : show(condition.actual)})`;
}

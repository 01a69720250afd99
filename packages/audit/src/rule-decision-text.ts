import type { TicketEventOf } from '@tickets/domain';

type RulesEvaluatedData = TicketEventOf<'RulesEvaluated'>['data'];

const EVALUATIONS = ',"evaluations":';

/**
 * A recorded RulesEvaluated as verify reads it, from the head of its text alone, or undefined. Nine
 * decisions in ten fired no rule and emitted nothing: then neither the fold (only fired rules count)
 * nor the checks (only emitted actions and commands) read the evaluations, and only the head of the
 * record is parsed — its ticket, time, trigger and reopen count, which the reactor writes before the
 * evaluations. Whether that holds is read from the text itself: an unescaped `"outcome":"fired"` or
 * `"status":"emitted"` can only be structure (inside a JSON string every quote is escaped), and the
 * record must end with an empty command list; anything else, or a head that does not parse as
 * expected, is undefined. The head holds no personal data: the text may be the sealed one as stored.
 */
export function ruleDecisionHead(text: string): RulesEvaluatedData | undefined {
  const lite =
    !text.includes('"outcome":"fired"') && !text.includes('"status":"emitted"') && text.endsWith('"commands":[]}');
  const cut = lite ? text.indexOf(EVALUATIONS) : -1;
  if (cut > 0) {
    try {
      const head = JSON.parse(`${text.slice(0, cut)}}`) as Partial<RulesEvaluatedData>;
      const { ticketId, at, trigger, reopenCount } = head;
      if (
        typeof ticketId === 'string' &&
        typeof at === 'string' &&
        typeof reopenCount === 'number' &&
        typeof trigger === 'object' &&
        trigger !== null &&
        Object.keys(head).length === 4
      ) {
        return { ticketId, at, trigger, reopenCount, evaluations: [], commands: [] };
      }
    } catch {
      // Not the layout the reactor writes: read in full.
    }
  }
  return undefined;
}

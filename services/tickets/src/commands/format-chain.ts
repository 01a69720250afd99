import type { ChainReport } from '@tickets/event-store';
import { printable } from '../terminal-text.js';

const short = (hash: string): string => hash.slice(0, 16);

/** The hash chain's part of the verify report: a summary line, then each finding and each head proven. */
export function formatChain(chain: ChainReport, options: { examples: number }): string[] {
  const { head } = chain;
  const legacy =
    chain.unchained === 0
      ? ''
      : `; ${chain.unchained} events written before the chain (the last at position ${chain.lastUnchainedPosition}) are not covered` +
        (chain.chainsStartingLate > 0
          ? `, ${chain.chainsStartingLate} streams chained from their first later event`
          : '');
  const lines = [
    `  hash chain: ${head.events} events in ${chain.streams} streams chained, ${chain.problemCount} broken${legacy}; ` +
      `head ${head.events}:${short(head.hash)}… at position ${head.position} (tickets head prints it whole)`,
  ];
  for (const result of chain.proofs) {
    const { proof, found } = result;
    lines.push(
      result.ok
        ? `  head ${proof.events}:${short(proof.hash)}… proven: history up to position ${found?.position ?? 0} is unchanged`
        : found === null
          ? `  head ${proof.events}:${short(proof.hash)}… NOT proven: the store holds only ${head.events} chained events (events deleted)`
          : `  head ${proof.events}:${short(proof.hash)}… NOT proven: the first ${proof.events} chained events now hash to ${short(found.hash)}… ` +
            `(history up to position ${found.position} was changed: an event edited, deleted, added or moved)`,
    );
  }
  for (const problem of chain.problems.slice(0, options.examples)) {
    lines.push(
      '',
      `hash chain: ${printable(problem.stream)} #${problem.version} ${printable(problem.type)} (position ${problem.position}, id ${printable(problem.id)}): ` +
        printable(problem.message),
    );
  }
  if (chain.problemCount > options.examples)
    lines.push('', `… ${chain.problemCount - options.examples} more hash chain findings (--json for the first 1,000)`);
  return lines;
}

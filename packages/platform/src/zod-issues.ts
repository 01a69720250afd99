import type { z } from 'zod';

/** `rules[1].then[0].type`; keys that are not identifiers are quoted: `integrations["my shop"]`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

// A union reports every branch it tried. The branch with the fewest problems is almost always
// the one the author meant (a condition with a misspelt field, not a malformed group), so only
// its problems are shown, under the union's path — except that a branch refused whole (the input
// is not even of its kind: an object where a trigger name was expected) ranks after any branch
// that got inside the input (a time trigger with a bad duration).
function flattenIssues(
  issues: readonly z.core.$ZodIssue[],
  base: readonly PropertyKey[],
): { path: PropertyKey[]; message: string }[] {
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const branches = issue.errors.map((branch) => flattenIssues(branch, path));
      const refusedWhole = (branch: { path: PropertyKey[] }[]): boolean =>
        branch.every((found) => found.path.length === path.length);
      const rank = (branch: { path: PropertyKey[] }[]): number =>
        (refusedWhole(branch) ? 1_000_000 : 0) + branch.length;
      const closest = branches.reduce((best, branch) => (rank(branch) < rank(best) ? branch : best));
      if (closest.length > 0) return closest;
    }
    return [{ path, message: issue.message }];
  });
}

/**
 * One line per problem, `path: message` (just the message at the root), each line starting with
 * `prefix: ` when given (a file name, `line 3`, …). For CLI messages and HTTP 400 bodies.
 */
export function zodIssueLines(issues: readonly z.core.$ZodIssue[], prefix?: string): string[] {
  const lead = prefix === undefined ? '' : `${prefix}: `;
  return flattenIssues(issues, []).map(({ path, message }) => {
    const where = formatIssuePath(path);
    return where === '' ? `${lead}${message}` : `${lead}${where}: ${message}`;
  });
}

/** The same lines as `zodIssueLines`, joined with newlines. */
export function formatZodIssues(issues: readonly z.core.$ZodIssue[], prefix?: string): string {
  return zodIssueLines(issues, prefix).join('\n');
}

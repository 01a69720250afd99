import type { ReopenPolicy, RulesFile } from '@tickets/domain';
import { loadPolicy, loadRules } from '@tickets/platform';
import { UsageError } from '../store-url.js';

/** Rules and policy from `--rules` / `--policy`, or the shipped defaults; a bad file is a usage error. */
export async function loadRulesAndPolicy(options: { rules?: string; policy?: string }): Promise<{ rules: RulesFile; policy: ReopenPolicy }> {
  const rules = await loadRules(options.rules);
  if (!rules.ok) throw new UsageError(`--rules: ${rules.error.message}`);
  const policy = await loadPolicy(options.policy);
  if (!policy.ok) throw new UsageError(`--policy: ${policy.error.message}`);
  return { rules: rules.value, policy: policy.value };
}

import type { ReopenPolicy, RulesFile } from '@tickets/domain';
import { loadPolicy, loadRules } from './config-file.js';
import { ConfigError } from './env-config.js';

/**
 * Rules and reopen policy from files, or the shipped defaults when no file is named. A bad file is
 * a ConfigError naming the option, the file and every problem in it.
 */
export async function loadRulesAndPolicy(files: {
  rules?: string | undefined;
  policy?: string | undefined;
}): Promise<{ rules: RulesFile; policy: ReopenPolicy }> {
  const rules = await loadRules(files.rules);
  if (!rules.ok) throw new ConfigError(`--rules: ${rules.error.message}`);
  const policy = await loadPolicy(files.policy);
  if (!policy.ok) throw new ConfigError(`--policy: ${policy.error.message}`);
  return { rules: rules.value, policy: policy.value };
}

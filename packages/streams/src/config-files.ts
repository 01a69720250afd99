// Rules, reopen policy and the secrets file validated with the domain's schemas. The platform loads
// and reports config files without knowing the domain; what the domain's schemas decide lives here.
import { Channel, DEFAULT_REOPEN_POLICY, DEFAULT_RULES, ReopenPolicy, RulesFile } from '@tickets/domain';
import {
  ConfigError,
  loadConfigFile,
  loadSecurityConfigWith,
  type ConfigFileResult,
  type SecurityConfig,
  type SecuritySettings,
} from '@tickets/platform';

/** The rules file given with `--rules`, or the shipped default rules when none is given. */
export async function loadRules(path?: string): Promise<ConfigFileResult<RulesFile>> {
  if (path === undefined) return { ok: true, value: DEFAULT_RULES };
  return loadConfigFile(path, RulesFile, 'rules');
}

/**
 * The reopen policy given with `--policy`, or the shipped one when none is given. A policy file
 * REPLACES the shipped policy entirely (SPEC): nothing is merged, so a file without
 * `integrations` drops Postscript's 24h window.
 */
export async function loadPolicy(path?: string): Promise<ConfigFileResult<ReopenPolicy>> {
  if (path === undefined) return { ok: true, value: DEFAULT_REOPEN_POLICY };
  return loadConfigFile(path, ReopenPolicy, 'policy');
}

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

/**
 * The security configuration: its variables (`config.security`, read once at start-up) and the
 * secrets file, an integration's channels checked against the domain's.
 */
export const loadSecurityConfig = (settings: SecuritySettings): Promise<SecurityConfig> =>
  loadSecurityConfigWith({ channel: Channel }, settings);

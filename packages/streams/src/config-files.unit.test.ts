import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES } from '@tickets/domain';
import { readConfig } from '@tickets/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy, loadRules, loadRulesAndPolicy, loadSecurityConfig } from './config-files.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'config-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function file(name: string, content: string): Promise<string> {
  const path = join(dir, `${++counter}-${name}`);
  await writeFile(path, content);
  return path;
}

const RULES_YAML = `
rules:
  - id: vip-tag
    name: Tag VIP customers
    when: message.received
    then:
      - type: add_tag
        tag: vip
`;

describe('loadRules and loadPolicy', () => {
  it('return the shipped defaults when no file is given', async () => {
    expect(await loadRules()).toEqual({ ok: true, value: DEFAULT_RULES });
    expect(await loadPolicy()).toEqual({ ok: true, value: DEFAULT_REOPEN_POLICY });
  });

  it('replace the shipped policy entirely with the given file', async () => {
    const result = await loadPolicy(await file('policy.yaml', 'default: 1d\n'));
    expect(result).toEqual({ ok: true, value: { default: '1d' } });
  });

  it('load a rules file and report its problems', async () => {
    const good = await loadRules(await file('rules.yaml', RULES_YAML));
    const bad = await loadRules(await file('rules.yaml', 'rules: []\nautoReplyRateLimit: later\n'));
    expect(good.ok && good.value.rules.map((rule) => rule.id)).toEqual(['vip-tag']);
    expect(!bad.ok && bad.error.message).toContain('autoReplyRateLimit: expected a positive duration');
  });
});

describe('loadRulesAndPolicy', () => {
  it('names the option and the file of a bad policy', async () => {
    const path = await file('policy.yaml', 'default: soon\n');
    await expect(loadRulesAndPolicy({ policy: path })).rejects.toThrow(`--policy: ${path}`);
  });
});

describe('loadSecurityConfig', () => {
  const SECRET = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;
  const secrets = (channels: string) =>
    `integrations:\n  - name: helpdesk\n    sources: [https://helpdesk.example/]\n    secrets: [${SECRET}]\n` +
    `    scope: { channels: ${channels} }\n`;

  const load = async (env: Record<string, string>) => loadSecurityConfig(readConfig(env).security);

  it("checks an integration's scope channels against the domain's channels", async () => {
    const config = await load({ TICKETS_SECRETS_FILE: await file('secrets.yaml', secrets('[sms]')) });
    expect(config.integrations[0]?.scope).toEqual({ channels: ['sms'] });
    await expect(load({ TICKETS_SECRETS_FILE: await file('secrets.yaml', secrets('[pigeon]')) })).rejects.toThrow(
      'integrations[0].scope.channels[0]',
    );
  });

  it("checks the channels of TICKETS_WEBHOOK_SECRETS against the domain's, naming the variable", async () => {
    const integration = (channel: string) =>
      JSON.stringify([{ name: 'h', sources: ['https://h/'], secrets: [SECRET], scope: { channels: [channel] } }]);
    expect((await load({ TICKETS_WEBHOOK_SECRETS: integration('sms') })).integrations).toHaveLength(1);
    await expect(load({ TICKETS_WEBHOOK_SECRETS: integration('pigeon') })).rejects.toThrow(
      /TICKETS_WEBHOOK_SECRETS: \[0\]\.scope\.channels\[0\]/,
    );
  });
});

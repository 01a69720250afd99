import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReopenPolicy, RulesFile } from '@tickets/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatIssuePath, formatZodIssues, loadConfigFile, type ConfigFileResult } from './config-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'config-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
/** A fresh file per test, so tests never see each other's content. */
async function file(name: string, content: string): Promise<string> {
  const sub = join(dir, String(++counter));
  await mkdir(sub);
  const path = join(sub, name);
  await writeFile(path, content);
  return path;
}

function failure<T>(result: ConfigFileResult<T>) {
  if (result.ok) throw new Error('expected the file to be refused');
  return result.error;
}

const RULES_YAML = `
autoReplyRateLimit: 10m
rules:
  - id: vip-tag
    name: Tag VIP customers
    when: message.received
    if:
      all:
        - { field: ticket.channel, op: eq, value: sms }
    then:
      - type: add_tag
        tag: vip
`;

describe('loadConfigFile', () => {
  it('loads valid YAML rules and applies the schema defaults', async () => {
    const path = await file('rules.yaml', RULES_YAML);
    const result = await loadConfigFile(path, RulesFile, 'rules');
    expect(result).toEqual({
      ok: true,
      value: {
        autoReplyRateLimit: '10m',
        smsGsmLookalikes: false,
        calendars: {},
        sla: [],
        rules: [
          {
            id: 'vip-tag',
            name: 'Tag VIP customers',
            enabled: true,
            when: 'message.received',
            if: { all: [{ field: 'ticket.channel', op: 'eq', value: 'sms' }] },
            then: [{ type: 'add_tag', tag: 'vip' }],
            stop: false,
            once: 'per_event',
          },
        ],
      },
    });
  });

  it('loads a valid JSON policy, also with a byte-order mark', async () => {
    const policy = { default: '2d', channels: { sms: '12h' }, integrations: { postscript: '1d12h' } };
    const plain = await loadConfigFile(await file('policy.json', JSON.stringify(policy)), ReopenPolicy, 'policy');
    const bom = await loadConfigFile(
      await file('policy.json', `\uFEFF${JSON.stringify(policy)}`),
      ReopenPolicy,
      'policy',
    );
    expect(plain).toEqual({ ok: true, value: policy });
    expect(bom).toEqual({ ok: true, value: policy });
  });

  it('reads .yml too, and guesses the format for other extensions', async () => {
    const yml = await loadConfigFile(await file('policy.yml', 'default: 3d\n'), ReopenPolicy, 'policy');
    const jsonText = await loadConfigFile(await file('policy.conf', '{"default": "4d"}'), ReopenPolicy, 'policy');
    const yamlText = await loadConfigFile(await file('policy.conf', 'default: 5d\n'), ReopenPolicy, 'policy');
    expect([yml, jsonText, yamlText]).toEqual([
      { ok: true, value: { default: '3d' } },
      { ok: true, value: { default: '4d' } },
      { ok: true, value: { default: '5d' } },
    ]);
  });

  it('reports a missing file as unreadable, naming it', async () => {
    const path = join(dir, 'nowhere', 'rules.yaml');
    const error = failure(await loadConfigFile(path, RulesFile, 'rules'));
    expect(error).toEqual({
      code: 'CONFIG.UNREADABLE',
      file: path,
      message: `${path}: cannot read the rules file: no such file`,
    });
  });

  it('reports a directory as unreadable', async () => {
    const error = failure(await loadConfigFile(dir, RulesFile, 'rules'));
    expect(error.code).toBe('CONFIG.UNREADABLE');
    expect(error.message).toContain('is a directory');
  });

  it('reports JSON syntax errors with line and column, even where V8 gives no position', async () => {
    const badToken = await file('policy.json', '{\n  "default": "7d",\n  "channels": x\n}\n');
    const trailingComma = await file('policy.json', '{\n  "default": "7d",\n}\n');
    const tokenError = failure(await loadConfigFile(badToken, ReopenPolicy, 'policy'));
    const commaError = failure(await loadConfigFile(trailingComma, ReopenPolicy, 'policy'));
    expect(tokenError).toEqual({
      code: 'CONFIG.SYNTAX',
      file: badToken,
      message: `${badToken}: policy file is not valid JSON at line 3, column 15: Unexpected token 'x'`,
    });
    expect(commaError.message).toBe(
      `${trailingComma}: policy file is not valid JSON at line 3, column 1: Expected double-quoted property name`,
    );
  });

  it('finds the position of a bad token far into a long JSON file', async () => {
    const lines = Array.from({ length: 200 }, (_, i) => `  "k${i}": ${i},`);
    // `n` could start `null`: V8 (and so the position) points at the `o`.
    const path = await file('big.json', `{\n${lines.join('\n')}\n  "z": nope\n}\n`);
    const error = failure(await loadConfigFile(path, z.record(z.string(), z.unknown()), 'test'));
    expect(error.message).toBe(`${path}: test file is not valid JSON at line 202, column 9: Unexpected token 'o'`);
  });

  it('reports YAML syntax errors with line and column', async () => {
    const path = await file('rules.yaml', 'rules:\n  - id: a\n   name: b\n');
    const error = failure(await loadConfigFile(path, RulesFile, 'rules'));
    expect(error).toEqual({
      code: 'CONFIG.SYNTAX',
      file: path,
      message: `${path}: rules file is not valid YAML at line 3, column 1: Sequence item without - indicator`,
    });
  });

  it('refuses duplicate YAML keys and unresolved aliases', async () => {
    const duplicate = failure(
      await loadConfigFile(await file('p.yaml', 'default: 1d\ndefault: 2d\n'), ReopenPolicy, 'policy'),
    );
    const alias = failure(await loadConfigFile(await file('p.yaml', 'default: *nowhere\n'), ReopenPolicy, 'policy'));
    expect(duplicate.code).toBe('CONFIG.SYNTAX');
    expect(duplicate.message).toContain('Map keys must be unique');
    expect(alias.code).toBe('CONFIG.SYNTAX');
  });

  it('names the field and the expected duration format for an invalid policy', async () => {
    const path = await file('policy.yaml', 'default: "soon"\n');
    const error = failure(await loadConfigFile(path, ReopenPolicy, 'policy'));
    expect(error.code).toBe('CONFIG.INVALID');
    expect(error.message).toBe(`${path}: default: expected a positive duration such as 24h, 3d, 90m, 45s or 1d12h`);
    expect(error.issues).toEqual([expect.objectContaining({ path: ['default'] })]);
  });

  it('lists every problem, one per line', async () => {
    const path = await file(
      'policy.json',
      JSON.stringify({ default: '0m', channels: { sms: 'tomorrow', fax: '1d' }, extra: true }),
    );
    const error = failure(await loadConfigFile(path, ReopenPolicy, 'policy'));
    const expected = [
      `${path}: default: expected a positive duration such as 24h, 3d, 90m, 45s or 1d12h`,
      `${path}: channels: Unrecognized key: "fax"`,
      `${path}: channels.sms: expected a positive duration such as 24h, 3d, 90m, 45s or 1d12h`,
      `${path}: Unrecognized key: "extra"`,
    ];
    expect(error.message.split('\n').sort()).toEqual(expected.sort());
  });

  it('names the action path and the allowed types for an unknown action', async () => {
    const rules = {
      rules: [
        {
          id: 'a',
          name: 'A',
          when: 'message.received',
          then: [
            { type: 'add_tag', tag: 'x' },
            { type: 'send_sms', body: 'hi' },
          ],
        },
      ],
    };
    const path = await file('rules.json', JSON.stringify(rules));
    const error = failure(await loadConfigFile(path, RulesFile, 'rules'));
    expect(error.code).toBe('CONFIG.INVALID');
    expect(error.message).toMatch(
      new RegExp(`^${path.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: rules\\[0\\]\\.then\\[1\\]\\.type: `),
    );
    for (const type of [
      'add_tag',
      'remove_tag',
      'assign_team',
      'send_auto_reply',
      'add_internal_note',
      'close_ticket',
    ]) {
      expect(error.message).toContain(type);
    }
  });

  it('reports duplicate rule ids at the second occurrence', async () => {
    const rule = (id: string) => ({ id, name: id, when: 'ticket.created', then: [{ type: 'close_ticket' }] });
    const path = await file('rules.yaml', JSON.stringify({ rules: [rule('same'), rule('other'), rule('same')] }));
    const error = failure(await loadConfigFile(path, RulesFile, 'rules'));
    expect(error.message).toBe(`${path}: rules[2].id: duplicate rule id same`);
  });

  it('shows the closest branch of a union: a misspelt condition field, not a malformed group', async () => {
    const rules = {
      rules: [
        {
          id: 'a',
          name: 'A',
          when: 'message.received',
          if: { all: [{ field: 'ticket.chanel', op: 'eq', value: 'sms' }] },
          then: [{ type: 'close_ticket' }],
        },
      ],
    };
    const path = await file('rules.json', JSON.stringify(rules));
    const error = failure(await loadConfigFile(path, RulesFile, 'rules'));
    expect(error.message).toMatch(/: rules\[0\]\.if\.all\[0\]\.field: unknown field: /);
    expect(error.message).not.toContain('Unrecognized keys');
    expect(error.message.split('\n')).toHaveLength(1);
  });

  // Issue 14, point 10: the group branch of the condition union hid these behind "Unrecognized keys".
  it.each([
    [
      { field: 'ticket.channel', op: 'like', value: 'sms' },
      'rules[0].if.all[0].op: unknown operator "like" in `op`: use one of eq, neq',
    ],
    [{ op: 'eq', value: 'sms' }, 'rules[0].if.all[0].field: a condition needs `field`'],
    [{ field: 'ticket.channel', value: 'sms' }, 'rules[0].if.all[0].op: a condition needs `op`'],
    [
      { any: [{ field: 'ticket.tags', op: 'like', value: 'x' }] },
      'rules[0].if.all[0].any[0].op: unknown operator "like"',
    ],
  ])('names the problem of the condition %j', async (condition, expected) => {
    const rules = {
      rules: [
        { id: 'a', name: 'A', when: 'message.received', if: { all: [condition] }, then: [{ type: 'close_ticket' }] },
      ],
    };
    const error = failure(await loadConfigFile(await file('rules.json', JSON.stringify(rules)), RulesFile, 'rules'));
    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.message).toContain(expected);
    expect(error.message).not.toContain('Unrecognized keys');
  });

  it('still says a condition group needs `all` or `any`', async () => {
    const rules = {
      rules: [{ id: 'a', name: 'A', when: 'message.received', if: {}, then: [{ type: 'close_ticket' }] }],
    };
    const error = failure(await loadConfigFile(await file('rules.json', JSON.stringify(rules)), RulesFile, 'rules'));
    expect(error.message).toContain('rules[0].if.all: a condition group needs `all` or `any`');
  });

  it('refuses an empty file', async () => {
    const error = failure(await loadConfigFile(await file('rules.yaml', ''), RulesFile, 'rules'));
    expect(error.code).toBe('CONFIG.INVALID');
    expect(error.message).toContain('expected object');
  });
});

describe('formatZodIssues', () => {
  it('prefixes each line and writes paths the way they read in a file', () => {
    const schema = z.object({ items: z.array(z.object({ 'odd key': z.number() })), name: z.string() });
    const result = schema.safeParse({ items: [{ 'odd key': 1 }, { 'odd key': 'x' }] });
    if (result.success) throw new Error('expected invalid input');
    expect(formatZodIssues(result.error.issues, 'line 3')).toBe(
      'line 3: items[1]["odd key"]: Invalid input: expected number, received string\nline 3: name: Invalid input: expected string, received undefined',
    );
  });

  it('writes root problems without a path', () => {
    const result = z.string().safeParse(1);
    if (result.success) throw new Error('expected invalid input');
    expect(formatZodIssues(result.error.issues)).toBe('Invalid input: expected string, received number');
  });

  it('formats paths', () => {
    expect(formatIssuePath(['rules', 1, 'then', 0, 'type'])).toBe('rules[1].then[0].type');
    expect(formatIssuePath([])).toBe('');
    expect(formatIssuePath(['integrations', 'my-shop'])).toBe('integrations["my-shop"]');
  });
});

import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readConfig } from '../config/tickets-config.js';
import { assertListenAllowed, isLoopbackHost } from './dev-mode.js';
import { developmentSecurity, hashToken, loadSecurityConfigWith } from './security-config.js';

// The channels' schema is the caller's (the domain's, in @tickets/streams); two stand in for it here.
// The variables are read by readConfig, as every program does at start-up.
const loadSecurityConfig = async (env: NodeJS.ProcessEnv) =>
  loadSecurityConfigWith({ channel: z.enum(['sms', 'chat']) }, readConfig(env).security);

const SECRET_A = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const SECRET_B = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;
const TOKEN_HASH = hashToken('a-long-random-token');
const dir = mkdtempSync(join(tmpdir(), 'security-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadSecurityConfig', () => {
  it('is development mode when nothing is configured, with the default limits', async () => {
    const config = await loadSecurityConfig({});
    expect(config).toMatchObject({ mode: 'development', integrations: [], tokens: [], toleranceSeconds: 300 });
    expect(config.limits).toEqual({
      maxEventBytes: 65_536,
      maxBodyBytes: 1_048_576,
      maxBatchEvents: 1_000,
      maxMessageChars: 16_384,
      maxFutureSeconds: 300,
    });
  });

  it('reads `prefix=whsec_…` pairs, one prefix twice being a rotation, and `role=sha256` tokens', async () => {
    const config = await loadSecurityConfig({
      TICKETS_WEBHOOK_SECRETS: `https://postscript.example/=${SECRET_A}, https://postscript.example/=${SECRET_B}\nhttps://helpdesk.example/=${SECRET_B}`,
      TICKETS_API_TOKENS: `read=${TOKEN_HASH.toUpperCase()}`,
    });
    expect(config.mode).toBe('secured');
    expect(config.integrations).toEqual([
      { name: 'https://postscript.example/', sources: ['https://postscript.example/'], secrets: [SECRET_A, SECRET_B] },
      { name: 'https://helpdesk.example/', sources: ['https://helpdesk.example/'], secrets: [SECRET_B] },
    ]);
    expect(config.tokens).toEqual([{ role: 'read', sha256: TOKEN_HASH }]);
  });

  it('reads JSON from the environment and a YAML secrets file, together', async () => {
    const file = join(dir, 'secrets.yaml');
    writeFileSync(
      file,
      `integrations:\n  - name: helpdesk\n    sources: [https://helpdesk.example/]\n    secrets: [${SECRET_B}]\ntokens:\n  - { name: ops, role: admin, sha256: ${TOKEN_HASH} }\n`,
    );
    const config = await loadSecurityConfig({
      TICKETS_WEBHOOK_SECRETS: JSON.stringify([
        {
          name: 'postscript',
          sources: ['https://postscript.example/'],
          secrets: [SECRET_A],
          rateLimit: { perSecond: 50, burst: 1000 },
        },
      ]),
      TICKETS_SECRETS_FILE: file,
    });
    expect(config.integrations.map((integration) => integration.name)).toEqual(['postscript', 'helpdesk']);
    expect(config.integrations[0]?.rateLimit).toEqual({ perSecond: 50, burst: 1000 });
    expect(config.tokens).toEqual([{ name: 'ops', role: 'admin', sha256: TOKEN_HASH }]);
  });

  it("reads an integration's scope from the secrets file, and refuses an unknown channel or key in it", async () => {
    const file = join(dir, 'scoped.yaml');
    writeFileSync(
      file,
      `integrations:\n  - name: helpdesk\n    sources: [https://helpdesk.example/]\n    secrets: [${SECRET_B}]\n    scope: { channels: [sms, chat], tickets: ['*'] }\n`,
    );
    const config = await loadSecurityConfig({ TICKETS_SECRETS_FILE: file, TICKETS_MAX_FUTURE_SECONDS: '60' });
    expect(config.integrations[0]?.scope).toEqual({ channels: ['sms', 'chat'], tickets: ['*'] });
    expect(config.limits.maxFutureSeconds).toBe(60);
    writeFileSync(
      file,
      `integrations:\n  - name: helpdesk\n    sources: [https://helpdesk.example/]\n    secrets: [${SECRET_B}]\n    scope: { channels: [pigeon], ticket: [x] }\n`,
    );
    const message = (
      (await loadSecurityConfig({ TICKETS_SECRETS_FILE: file }).catch((caught: unknown) => caught)) as Error
    ).message;
    expect(message).toContain('integrations[0].scope.channels[0]');
    expect(message).toContain('ticket');
  });

  it('lists every problem, naming the setting and never echoing a secret', async () => {
    const error = await loadSecurityConfig({
      TICKETS_WEBHOOK_SECRETS: 'https://postscript.example/=whsec_c2hvcnQ=',
      TICKETS_API_TOKENS: 'owner=abc',
      TICKETS_MAX_EVENT_BYTES: '-1',
    }).catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain('TICKETS_WEBHOOK_SECRETS[0].secrets[0]: the key must be at least 24 bytes');
    expect(message).toContain('TICKETS_API_TOKENS[0].role');
    expect(message).toContain('TICKETS_API_TOKENS[0].sha256');
    expect(message).toContain('TICKETS_MAX_EVENT_BYTES');
    expect(message).not.toContain('c2hvcnQ');
  });

  it('refuses a source prefix owned by two integrations, and a burst below the batch limit', async () => {
    const error = await loadSecurityConfig({
      TICKETS_WEBHOOK_SECRETS: JSON.stringify([
        { name: 'a', sources: ['https://shared.example/'], secrets: [SECRET_A] },
        {
          name: 'b',
          sources: ['https://shared.example/'],
          secrets: [SECRET_B],
          rateLimit: { perSecond: 1, burst: 10 },
        },
      ]),
    }).catch((caught: unknown) => caught as Error);
    expect((error as Error).message).toContain('source prefix "https://shared.example/" is owned by both a and b');
    expect((error as Error).message).toContain('integration "b": rate limit burst 10 is below the batch limit 1000');
  });

  it('names the secrets file when it cannot be read', async () => {
    await expect(loadSecurityConfig({ TICKETS_SECRETS_FILE: join(dir, 'missing.yaml') })).rejects.toThrow(
      /missing\.yaml: cannot read the secrets file: no such file/,
    );
  });
});

describe('development mode', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])('may listen on loopback %s', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
    expect(() => assertListenAllowed(developmentSecurity(), host)).not.toThrow();
  });

  it.each(['0.0.0.0', '::', '192.168.1.10', 'example.com'])('refuses %s', (host) => {
    expect(() => assertListenAllowed(developmentSecurity(), host)).toThrow(
      /refusing to listen on .* in development mode/,
    );
  });

  it('lets a secured server listen anywhere', () => {
    expect(() => assertListenAllowed({ ...developmentSecurity(), mode: 'secured' }, '0.0.0.0')).not.toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { fixedClock, signWebhook } from '@tickets/platform';
import { createWebhookAuth, ownsSource } from './webhook-auth.js';

const NOW = '2026-03-02T09:00:00Z';
const SECONDS = Date.parse(NOW) / 1000;
const SHOP = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const SHOP_SMS = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;

describe('ownsSource', () => {
  it.each([
    ['https://postscript.example', 'https://postscript.example', true],
    ['https://postscript.example', 'https://postscript.example/sms', true],
    ['urn:shop', 'urn:shop:sms', true],
    ['https://postscript.example/', 'https://postscript.example/sms', true],
    ['https://postscript.example', 'https://postscript.example.evil/sms', false],
    ['https://postscript.example', 'https://postscript.examplex', false],
    ['urn:shop', 'urn:shopping', false],
    ['https://postscript.example/sms', 'https://postscript.example/email', false],
    // Compared parsed, by origin and whole path segments (issue 14, point 9).
    ['https://postscript.example', 'https://postscript.example/../../helpdesk.example/agent', false],
    ['https://postscript.example', 'https://postscript.example/sms/%2E%2e/x', false],
    ['https://postscript.example', 'https://postscript.example/sms/./x', false],
    ['https://postscript.example', 'https://postscript.example\\..\\helpdesk.example', false],
    ['https://postscript.example', 'https://attacker@postscript.example/sms', false],
    ['https://postscript.example/sms', 'https://postscript.example/smsx', false],
    ['https://postscript.example/sms', 'https://postscript.example/sms/fr', true],
    ['https://postscript.example/', 'HTTPS://Postscript.Example:443/sms', true],
    ['https://postscript.example', 'http://postscript.example/sms', false],
    ['https://postscript.example', 'https://postscript.example:8443/sms', false],
  ])('%s owns %s: %s', (prefix, source, owned) => {
    expect(ownsSource(prefix, source)).toBe(owned);
  });
});

describe('createWebhookAuth', () => {
  const auth = createWebhookAuth({
    integrations: [
      { name: 'shop', sources: ['https://shop.example'], secrets: [SHOP] },
      { name: 'shop-sms', sources: ['https://shop.example/sms'], secrets: [SHOP_SMS] },
    ],
    toleranceSeconds: 300,
    clock: fixedClock(NOW),
  });
  const request = (source: string, secret: string, id = 'msg_1') => {
    const body = JSON.stringify({ source });
    return {
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(SECONDS),
        'webhook-signature': signWebhook({ id, timestamp: SECONDS, body, secret }),
      },
      body: Buffer.from(body),
      events: [{ source }],
    };
  };

  it('picks the integration with the longest prefix owning the source', () => {
    expect(auth.authenticate(request('https://shop.example/sms/fr', SHOP_SMS))).toMatchObject({
      ok: true,
      integration: { name: 'shop-sms' },
    });
    expect(auth.authenticate(request('https://shop.example/email', SHOP, 'msg_2'))).toMatchObject({
      ok: true,
      integration: { name: 'shop' },
    });
  });

  it("refuses the shorter prefix's secret for the longer prefix's sources", () => {
    expect(auth.authenticate(request('https://shop.example/sms', SHOP, 'msg_3'))).toMatchObject({
      ok: false,
      status: 401,
      reason: 'no_valid_signature',
      integration: 'shop-sms',
    });
  });
  it("refuses a request with one event of another integration's source among many of its own (403, naming the event)", () => {
    const sources = [
      'https://shop.example/email',
      'https://shop.example/email',
      'https://shop.example/web',
      'https://shop.example/email',
      'https://shop.example/sms/fr',
      'https://shop.example/email',
    ];
    const body = JSON.stringify(sources.map((source) => ({ source })));
    const outcome = auth.authenticate({
      headers: {
        'webhook-id': 'msg_4',
        'webhook-timestamp': String(SECONDS),
        'webhook-signature': signWebhook({ id: 'msg_4', timestamp: SECONDS, body, secret: SHOP }),
      },
      body: Buffer.from(body),
      events: sources.map((source) => ({ source })),
    });
    expect(outcome).toMatchObject({ ok: false, status: 403, code: 'AUTH.FOREIGN_SOURCE', reason: 'foreign_source' });
    expect(outcome.ok === false && outcome.message).toMatch(/^event 4:/);
  });
});

describe('createWebhookAuth: parts of a request the signature does not cover (binary mode)', () => {
  const auth = createWebhookAuth({
    integrations: [{ name: 'shop', sources: ['https://shop.example'], secrets: [SHOP] }],
    toleranceSeconds: 300,
    clock: fixedClock(NOW),
  });
  const body = JSON.stringify({ channel: 'sms' });
  const signed = (unsignedParts: string) => ({
    headers: {
      'webhook-id': 'msg_bin',
      'webhook-timestamp': String(SECONDS),
      'webhook-signature': signWebhook({ id: 'msg_bin', timestamp: SECONDS, body, secret: SHOP }),
    },
    body: Buffer.from(body),
    events: [{ source: 'https://shop.example/sms' }],
    unsignedParts,
  });

  it('lets a retry with the same unsigned parts through, and refuses the webhook id with other ones (409)', () => {
    expect(auth.authenticate(signed('[["ce-id","a"]]'))).toMatchObject({ ok: true, replay: false });
    expect(auth.authenticate(signed('[["ce-id","a"]]'))).toMatchObject({ ok: true, replay: true });
    expect(auth.authenticate(signed('[["ce-id","b"]]'))).toMatchObject({
      ok: false,
      status: 409,
      code: 'AUTH.WEBHOOK_ID_REUSED',
    });
  });
});

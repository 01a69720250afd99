import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from './webhook-signature.js';

// The example of the Standard Webhooks specification: an independent implementation must agree.
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const OTHER = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const NOW = 1_767_000_000;
const request = (overrides: Partial<{ id: string; timestamp: string; signature: string; body: string }> = {}) => {
  const body = overrides.body ?? '{"id":"e-1"}';
  const signature = signWebhook({ id: 'msg_1', timestamp: NOW, body: '{"id":"e-1"}', secret: SECRET });
  return { id: 'msg_1', timestamp: String(NOW), signature, ...overrides, body: Buffer.from(body) };
};

describe('Standard Webhooks signatures', () => {
  it("reproduces the specification's example signature", () => {
    expect(signWebhook(SPEC)).toBe(SPEC.signature);
    const check = verifyWebhookSignature(
      { id: SPEC.id, timestamp: String(SPEC.timestamp), signature: SPEC.signature, body: Buffer.from(SPEC.body) },
      [SPEC.secret],
      SPEC.timestamp * 1000,
      300,
    );
    expect(check).toEqual({ ok: true, id: SPEC.id, timestamp: SPEC.timestamp });
  });

  it('accepts a signature made with any of the secrets, among several offered signatures', () => {
    expect(verifyWebhookSignature(request(), [OTHER, SECRET], NOW * 1000, 300).ok).toBe(true);
    const both = `${signWebhook({ id: 'msg_1', timestamp: NOW, body: '{"id":"e-1"}', secret: OTHER })} ${request().signature}`;
    expect(verifyWebhookSignature(request({ signature: both }), [SECRET], NOW * 1000, 300).ok).toBe(true);
  });

  it.each([
    ['a wrong secret', request(), [OTHER], NOW, 'no_valid_signature'],
    ['a tampered body', request({ body: '{"id":"e-2"}' }), [SECRET], NOW, 'no_valid_signature'],
    [
      'a signature of another version',
      request({ signature: request().signature.replace('v1,', 'v2,') }),
      [SECRET],
      NOW,
      'no_valid_signature',
    ],
    [
      'a truncated signature',
      request({ signature: request().signature.slice(0, 20) }),
      [SECRET],
      NOW,
      'no_valid_signature',
    ],
    ['a timestamp 301 s old', request(), [SECRET], NOW + 301, 'stale_timestamp'],
    ['a timestamp 301 s ahead', request(), [SECRET], NOW - 301, 'future_timestamp'],
    [
      'a timestamp that is not Unix seconds',
      request({ timestamp: '2026-01-01T00:00:00Z' }),
      [SECRET],
      NOW,
      'malformed_timestamp',
    ],
    ['no webhook-id', request({ id: '' }), [SECRET], NOW, 'missing_headers'],
  ])('refuses %s', (_what, signed, secrets, nowSeconds, failure) => {
    expect(verifyWebhookSignature(signed, secrets, nowSeconds * 1000, 300)).toEqual({ ok: false, failure });
  });

  it('accepts timestamps exactly at the tolerance, both ways', () => {
    expect(verifyWebhookSignature(request(), [SECRET], (NOW + 300) * 1000, 300).ok).toBe(true);
    expect(verifyWebhookSignature(request(), [SECRET], (NOW - 300) * 1000, 300).ok).toBe(true);
  });

  it('refuses a request without signature headers at all', () => {
    expect(
      verifyWebhookSignature(
        { id: undefined, timestamp: undefined, signature: undefined, body: Buffer.from('{}') },
        [SECRET],
        NOW * 1000,
        300,
      ),
    ).toEqual({
      ok: false,
      failure: 'missing_headers',
    });
  });
});

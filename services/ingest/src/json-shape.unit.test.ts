import { describe, expect, it } from 'vitest';
import { messageReceived } from '@tickets/testing';
import { jsonShapeProblem, MAX_JSON_DEPTH } from './json-shape.js';
import { validateInbound } from './validate-inbound.js';

const nested = (depth: number): unknown => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};
const event = (extra: Record<string, unknown> = {}, id = 'shape-1') => ({
  ...messageReceived({ id, time: '2026-03-02T08:00:00Z', body: 'Bonjour' }),
  ...extra,
});

describe('inbound events the store could not hold are refused with a reason, before the schema', () => {
  it('a valid event passes', () => {
    expect(jsonShapeProblem(event())).toBeNull();
    expect(validateInbound(event()).ok).toBe(true);
  });

  it(`an extension attribute nested deeper than ${MAX_JSON_DEPTH} levels (it used to fail the append: HTTP 500, a Kafka poison record)`, () => {
    expect(jsonShapeProblem(event({ ext: nested(MAX_JSON_DEPTH - 2) }))).toBeNull();
    expect(validateInbound(event({ ext: nested(400_000) }))).toEqual({
      ok: false,
      id: 'shape-1',
      reasons: [
        {
          path: `ext${'[0]'.repeat(MAX_JSON_DEPTH - 1)}`,
          message: `nested deeper than ${MAX_JSON_DEPTH} levels`,
          code: 'too_deep',
        },
      ],
    });
  });

  it('a lone UTF-16 surrogate in any text or key (it made "\\ud800" and "\\udc00" the same id: a false duplicate)', () => {
    expect(validateInbound(event({}, '\ud800'))).toMatchObject({
      ok: false,
      reasons: [{ path: 'id', code: 'invalid_unicode' }],
    });
    const body = event();
    (body.data as { message: { body: string } }).message.body = 'ok \udc00';
    expect(validateInbound(body)).toMatchObject({
      ok: false,
      reasons: [{ path: 'data.message.body', code: 'invalid_unicode' }],
    });
    expect(validateInbound(event({ ['x\ud83d']: 1 }))).toMatchObject({
      ok: false,
      reasons: [{ path: 'x\ud83d', code: 'invalid_unicode' }],
    });
    // Pairs are fine: emoji are text like any other.
    expect(validateInbound(event({}, 'merci 👍')).ok).toBe(true);
  });
});

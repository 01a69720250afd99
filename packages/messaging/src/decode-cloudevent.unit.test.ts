import { describe, expect, it } from 'vitest';
import { decodeCloudEvent } from './decode-cloudevent.js';

describe('decodeCloudEvent', () => {
  it('dead-letters a record that is not valid UTF-8 (invalid_utf8), never replacing bytes by U+FFFD', () => {
    const value = Buffer.concat([Buffer.from('{"id":"a'), Buffer.from([0xff]), Buffer.from('"}')]);
    expect(decodeCloudEvent(value, undefined)).toEqual({
      ok: false,
      reasons: [{ path: '(value)', code: 'invalid_utf8', message: 'the record is not valid UTF-8' }],
    });
  });

  it('reads valid UTF-8 as it is, accents included', () => {
    expect(decodeCloudEvent(Buffer.from('{"id":"é","body":"Déjà 👍"}'), undefined)).toEqual({
      ok: true,
      event: { id: 'é', body: 'Déjà 👍' },
    });
  });
});

import { describe, expect, it } from 'vitest';
import { decodeCloudEvent } from './decode-cloudevent.js';

describe('decodeCloudEvent', () => {
  it('dead-letters a record that is not valid UTF-8 (invalid_utf8), never replacing bytes by U+FFFD', () => {
    const value = Buffer.concat([Buffer.from('{"id":"a'), Buffer.from([0xff]), Buffer.from('"}')]);
    expect(decodeCloudEvent(value, undefined)).toEqual({ ok: false, reason: { path: '(value)', code: 'invalid_utf8', message: 'the record is not valid UTF-8' } });
  });

  it('dead-letters a binary-mode record whose ce_ header is not valid UTF-8', () => {
    const decoded = decodeCloudEvent(Buffer.from('{}'), { ce_id: Buffer.from([0x61, 0xfe]) });
    expect(decoded).toMatchObject({ ok: false, reason: { path: '(header ce_id)', code: 'invalid_utf8' } });
  });

  it('reads valid UTF-8 as it is, accents included', () => {
    expect(decodeCloudEvent(Buffer.from('{"id":"é"}'), { ce_type: Buffer.from('message.received') })).toEqual({ ok: true, event: { type: 'message.received', data: { id: 'é' } } });
  });
});

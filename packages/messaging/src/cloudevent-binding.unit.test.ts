import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  binaryModeEvent,
  decodeHttpHeaderValue,
  encodeHttpHeaderValue,
  HTTP_BINARY,
  isBinaryMode,
  KAFKA_BINARY,
} from './cloudevent-binding.js';
import { decodeCloudEvent } from './decode-cloudevent.js';

const ATTRIBUTES = {
  specversion: '1.0',
  id: 'evt-1',
  source: 'https://postscript.example/sms',
  type: 'message.received',
  time: '2026-03-02T08:00:00Z',
  subject: 'cus_1',
};
const DATA = { channel: 'sms', customer: { id: 'cus_1' }, message: { id: 'm-1', body: 'Bonjour' } };
const httpHeaders = (attributes: Record<string, string>) =>
  Object.entries(attributes).map(([name, value]) => [`ce-${name}`, value] as const);

describe('CloudEvents binding: content mode', () => {
  it('is binary when a ce- header is present and the content type is not a CloudEvents format', () => {
    expect(isBinaryMode('application/json', ['ce-specversion', 'ce-id'], 'ce-')).toBe(true);
    expect(isBinaryMode(undefined, ['CE-ID'], 'ce-')).toBe(true);
    expect(isBinaryMode('application/json', ['content-type', 'webhook-id'], 'ce-')).toBe(false);
  });

  it('is structured or batched whatever ce- headers come along when the content type says so', () => {
    expect(isBinaryMode('application/cloudevents+json', ['ce-id'], 'ce-')).toBe(false);
    expect(isBinaryMode('Application/CloudEvents-Batch+JSON; charset=utf-8', ['ce-id'], 'ce-')).toBe(false);
    expect(isBinaryMode('application/cloudevents+json', ['ce_id'], 'ce_')).toBe(false);
  });
});

describe('CloudEvents binding: binary mode to the structured event', () => {
  it('maps each ce- header to its attribute, the content type to datacontenttype, the body to data', () => {
    const result = binaryModeEvent(
      [
        ...httpHeaders({ ...ATTRIBUTES, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }),
        ['content-type', 'application/json'],
      ],
      HTTP_BINARY,
      'application/json',
      DATA,
    );
    expect(result).toEqual({
      ok: true,
      event: {
        ...ATTRIBUTES,
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        datacontenttype: 'application/json',
        data: DATA,
      },
    });
  });

  it('names every required header that is missing', () => {
    const { specversion: _s, type: _t, subject: _u, ...rest } = ATTRIBUTES;
    const result = binaryModeEvent(httpHeaders(rest), HTTP_BINARY, 'application/json', DATA);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reasons.map((reason) => [reason.path, reason.code])).toEqual([
      ['ce-specversion', 'missing_header'],
      ['ce-type', 'missing_header'],
      ['ce-subject', 'missing_header'],
    ]);
    expect(!result.ok && result.reasons[1]?.message).toContain('ce-type');
  });

  it('names a header whose value is not valid percent-encoded UTF-8', () => {
    const result = binaryModeEvent(
      httpHeaders({ ...ATTRIBUTES, subject: 'cus%C0%A0' }),
      HTTP_BINARY,
      'application/json',
      DATA,
    );
    expect(!result.ok && result.reasons).toEqual([
      { path: 'ce-subject', code: 'invalid_header', message: HTTP_BINARY.invalid },
    ]);
  });

  it('keeps a ce-__proto__ header as an own key, never as the prototype', () => {
    const result = binaryModeEvent(
      [...httpHeaders(ATTRIBUTES), ['ce-__proto__', '{"polluted":"yes"}']],
      HTTP_BINARY,
      undefined,
      DATA,
    );
    expect(result.ok).toBe(true);
    const event = result.ok ? result.event : {};
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(event, '__proto__')?.value).toBe('{"polluted":"yes"}');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('lets the content type, not a ce-datacontenttype or ce-data header, give datacontenttype and data', () => {
    const result = binaryModeEvent(
      [...httpHeaders({ ...ATTRIBUTES, datacontenttype: 'text/plain', data: 'x' })],
      HTTP_BINARY,
      'application/json; charset=utf-8',
      DATA,
    );
    expect(result.ok && result.event).toMatchObject({ datacontenttype: 'application/json; charset=utf-8', data: DATA });
  });
});

describe('CloudEvents HTTP binding: percent-encoding of header values', () => {
  it('decodes the binding example, lower-case hex and unnecessary escapes alike', () => {
    expect(decodeHttpHeaderValue('Euro%20%E2%82%AC%20%F0%9F%98%80')).toBe('Euro € 😀');
    expect(decodeHttpHeaderValue('Euro%20%e2%82%ac')).toBe('Euro €');
    expect(decodeHttpHeaderValue('%41b+c')).toBe('Ab+c');
  });

  it('unescapes a double-quoted value before percent-decoding it (older senders)', () => {
    expect(decodeHttpHeaderValue('"a \\"b\\" c%25"')).toBe('a "b" c%');
  });

  it('refuses invalid UTF-8, malformed escapes and raw characters outside printable ASCII', () => {
    for (const value of ['%C0%A0', '%ED%A0%80', '%FF', '100%', '%G1', 'Zo\u00e9', 'a\tb'])
      expect(decodeHttpHeaderValue(value), value).toBeUndefined();
  });

  it('encodes exactly space, double quote, percent and what lies outside U+0021–U+007E', () => {
    expect(encodeHttpHeaderValue('Euro € 😀')).toBe('Euro%20%E2%82%AC%20%F0%9F%98%80');
    expect(encodeHttpHeaderValue('a"b%c')).toBe('a%22b%25c');
    expect(encodeHttpHeaderValue('https://x.example/sms?a=1&b=~')).toBe('https://x.example/sms?a=1&b=~');
  });

  it('decodes what it encodes, for any well-formed text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const encoded = encodeHttpHeaderValue(text);
        expect(encoded).toMatch(/^[\x21-\x7e]*$/);
        expect(decodeHttpHeaderValue(encoded)).toBe(text);
      }),
    );
  });
});

describe('CloudEvents Kafka binding: records', () => {
  const headers = (attributes: Record<string, string>) =>
    Object.fromEntries(Object.entries(attributes).map(([name, value]) => [`ce_${name}`, Buffer.from(value)]));
  const value = Buffer.from(JSON.stringify(DATA));

  it('reads a binary-mode record: ce_ headers as they are (no percent-decoding), content-type as datacontenttype', () => {
    const decoded = decodeCloudEvent(value, {
      ...headers({ ...ATTRIBUTES, subject: 'cus_%41' }),
      'content-type': 'application/json',
    });
    expect(decoded).toEqual({
      ok: true,
      event: { ...ATTRIBUTES, subject: 'cus_%41', datacontenttype: 'application/json', data: DATA },
    });
  });

  it('reads a record without ce_ headers, or with a CloudEvents content type, as a structured event', () => {
    const event = { ...ATTRIBUTES, data: DATA };
    expect(decodeCloudEvent(Buffer.from(JSON.stringify(event)), undefined)).toEqual({ ok: true, event });
    expect(
      decodeCloudEvent(Buffer.from(JSON.stringify(event)), {
        'content-type': 'application/cloudevents+json',
        ce_id: 'other',
      }),
    ).toEqual({ ok: true, event });
  });

  it('refuses a binary-mode record naming the headers it lacks or cannot read', () => {
    const { time: _t, ...rest } = ATTRIBUTES;
    const decoded = decodeCloudEvent(value, { ...headers(rest), ce_source: Buffer.from([0x68, 0xff]) });
    expect(!decoded.ok && decoded.reasons.map((reason) => [reason.path, reason.code])).toEqual([
      ['ce_source', 'invalid_header'],
      ['ce_time', 'missing_header'],
    ]);
    expect(KAFKA_BINARY.prefix).toBe('ce_');
  });
});

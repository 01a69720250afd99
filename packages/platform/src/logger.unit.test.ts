import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fixedClock } from './clock.js';
import { createLogger, REDACTED, redactPii, redactQuery, scrubPii } from './logger.js';

// Log into memory and assert on the JSON, the way pino's own tests do.
function memoryLogger(options: { level?: string; name?: string } = {}) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ ...options, destination, clock: fixedClock('2025-03-01T09:30:00.000Z') });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, records };
}

const NAME = 'Jeanne Dupont';
const PHONE = '+33612345678';
const EMAIL = 'jeanne.dupont@example.fr';
const BODY = 'Bonjour, ma commande 4411 est toujours en retard';
const REPLY = 'Merci pour votre suivi !';

const inbound = {
  specversion: '1.0',
  id: 'evt-logger-1',
  source: 'urn:integration:postscript',
  type: 'message.received',
  time: '2025-03-01T09:00:00Z',
  subject: 'cust-42',
  data: {
    channel: 'sms',
    integration: 'postscript',
    customer: { id: 'cust-42', name: NAME, phone: PHONE, email: EMAIL },
    message: { id: 'msg-1', body: BODY },
  },
};

const command = {
  specversion: '1.0',
  id: 'cmd_abc234',
  source: 'urn:tickets:rule-reactor',
  type: 'message.send',
  subject: 'tk_xyz567',
  time: '2025-03-01T09:00:00Z',
  datacontenttype: 'application/json',
  data: {
    ruleId: 'sms-reopened',
    causationId: 'ev_1',
    correlationId: 'evt-logger-1',
    channel: 'sms',
    to: PHONE,
    body: REPLY,
    segments: 1,
  },
};

const PII = [NAME, PHONE, EMAIL, BODY, REPLY];
const expectNoPii = (line: string) => {
  for (const value of PII) expect(line).not.toContain(value);
};

describe('createLogger', () => {
  it('writes one JSON line with level name, time from the clock, name and bindings', () => {
    const { logger, records } = memoryLogger({ name: 'ingest' });
    logger.info({ ticketId: 'tk_1', correlationId: 'evt-1' }, 'ticket reopened');
    expect(records()).toEqual([
      expect.objectContaining({
        level: 'info',
        time: '2025-03-01T09:30:00.000Z',
        name: 'ingest',
        ticketId: 'tk_1',
        correlationId: 'evt-1',
        msg: 'ticket reopened',
      }),
    ]);
  });

  it('honours the level', () => {
    const { logger, lines } = memoryLogger({ level: 'warn' });
    logger.info('ignored');
    logger.warn('kept');
    expect(lines).toHaveLength(1);
  });

  it('logs a full inbound event and a command without any personal data, keeping the ids', () => {
    const { logger, lines, records } = memoryLogger();
    logger.info({ ticketId: 'tk_xyz567', correlationId: inbound.id, event: inbound, command }, 'rules evaluated');

    expect(lines).toHaveLength(1);
    expectNoPii(lines[0] ?? '');
    const [record] = records();
    expect(record).toMatchObject({
      ticketId: 'tk_xyz567',
      correlationId: 'evt-logger-1',
      event: {
        id: 'evt-logger-1',
        subject: 'cust-42',
        data: {
          channel: 'sms',
          customer: { id: 'cust-42', name: REDACTED, phone: REDACTED, email: REDACTED },
          message: { id: 'msg-1', body: REDACTED },
        },
      },
      command: {
        id: 'cmd_abc234',
        subject: 'tk_xyz567',
        data: {
          ruleId: 'sms-reopened',
          correlationId: 'evt-logger-1',
          channel: 'sms',
          to: REDACTED,
          body: REDACTED,
          segments: 1,
        },
      },
    });
  });

  it('redacts the same fields at the top level, one level down and inside lists', () => {
    const { logger, lines, records } = memoryLogger();
    logger.info({ ticketId: 'tk_1', correlationId: 'evt-1', ...inbound }, 'inbound received');
    logger.info(
      { ticketId: 'tk_1', correlationId: 'evt-1', customer: inbound.data.customer, message: inbound.data.message },
      'routed',
    );
    logger.info({ ticketId: 'tk_1', ...command.data }, 'command built');
    logger.info({ correlationId: 'evt-1', batch: { events: [inbound], commands: [command] } }, 'batch');
    logger.info(
      {
        ticketId: 'tk_1',
        correlationId: 'evt-1',
        ticket: { ticketId: 'tk_1', subject: `SMS de ${NAME}`, customer: inbound.data.customer },
      },
      'ticket state',
    );

    for (const line of lines) expectNoPii(line);
    const [top, oneDown, commandData, batch, state] = records();
    expect(top).toMatchObject({ subject: 'cust-42', data: { customer: { id: 'cust-42', name: REDACTED } } });
    expect(oneDown).toMatchObject({
      customer: { id: 'cust-42', name: REDACTED, phone: REDACTED },
      message: { id: 'msg-1', body: REDACTED },
    });
    expect(commandData).toMatchObject({ ruleId: 'sms-reopened', to: REDACTED, body: REDACTED });
    expect(batch).toMatchObject({ batch: { events: [{ id: 'evt-logger-1' }], commands: [{ id: 'cmd_abc234' }] } });
    expect(state).toMatchObject({ ticket: { ticketId: 'tk_1', subject: REDACTED, customer: { id: 'cust-42' } } });
  });

  it('keeps names that are not personal (rules, errors)', () => {
    const { logger, records } = memoryLogger();
    logger.info(
      { ticketId: 'tk_1', correlationId: 'evt-1', rule: { id: 'sms-reopened', name: 'Tag reopened SMS tickets' } },
      'rule fired',
    );
    expect(records()[0]).toMatchObject({ rule: { name: 'Tag reopened SMS tickets' } });
  });

  it('scrubs e-mail addresses and phone numbers from err message and stack, keeping code and retriable', () => {
    const { logger, lines, records } = memoryLogger();
    const err = Object.assign(new Error(`no ticket for ${PHONE} <${EMAIL}>`), {
      code: 'TICKET.NOT_FOUND',
      retriable: false,
    });
    logger.error({ err, ticketId: 'tk_1', correlationId: 'evt-1' }, 'routing failed');

    expectNoPii(lines[0] ?? '');
    const [record] = records();
    expect(record).toMatchObject({
      msg: 'routing failed',
      err: {
        type: 'Error',
        message: `no ticket for ${REDACTED} <${REDACTED}>`,
        code: 'TICKET.NOT_FOUND',
        retriable: false,
      },
    });
    expect((record?.['err'] as { stack: string }).stack).toContain(REDACTED);
  });

  it('scrubs causes and the message pino derives from a bare error', () => {
    const { logger, lines, records } = memoryLogger();
    const cause = new Error(`smtp refused ${EMAIL}`);
    logger.error(new Error(`cannot notify ${PHONE}`, { cause }));
    logger.error({ err: 'thrown string with 06 12 34 56 78' }, 'odd throw');

    for (const line of lines) {
      expectNoPii(line);
      expect(line).not.toContain('06 12 34 56 78');
    }
    const [bare, stringThrow] = records();
    expect(bare).toMatchObject({
      msg: `cannot notify ${REDACTED}`,
      err: { message: `cannot notify ${REDACTED}: smtp refused ${REDACTED}` },
    });
    expect(stringThrow).toMatchObject({ err: `thrown string with ${REDACTED}` });
  });

  it('scrubs personal data interpolated into a message', () => {
    const { logger, records } = memoryLogger();
    logger.warn('unexpected recipient %s', EMAIL);
    expect(records()[0]).toMatchObject({ msg: `unexpected recipient ${REDACTED}` });
  });
});

describe('redactPii', () => {
  it('reaches personal fields at any depth without touching the original', () => {
    const deep = { a: { b: { c: { d: { e: { event: inbound } } } } } };
    const redacted = redactPii(deep);
    expect(JSON.stringify(redacted)).not.toContain(PHONE);
    expect(redacted).toMatchObject({
      a: { b: { c: { d: { e: { event: { data: { customer: { id: 'cust-42', phone: REDACTED } } } } } } } },
    });
    expect(deep.a.b.c.d.e.event.data.customer.phone).toBe(PHONE);
  });

  it('returns the same object when there is nothing to redact, and leaves absent fields absent', () => {
    const clean = { ticketId: 'tk_1', list: [1, 2], customer: { id: 'c', name: null }, message: { body: undefined } };
    expect(redactPii(clean)).toBe(clean);
  });

  it('stops at a bounded depth, so cycles end and nothing deep slips through', () => {
    const cyclic: Record<string, unknown> = { id: 'x' };
    cyclic['self'] = cyclic;
    expect(JSON.stringify(redactPii(cyclic))).toContain(`"self":"${REDACTED}"`);
  });

  it('redacts personal fields carried on errors', () => {
    const { logger, lines } = memoryLogger();
    const err = Object.assign(new Error('delivery refused'), {
      request: { to: PHONE, body: REPLY },
      customer: { name: NAME },
    });
    logger.error({ err, ticketId: 'tk_1', correlationId: 'evt-1' }, 'delivery failed');
    expectNoPii(lines[0] ?? '');
    expect(lines[0]).toContain('delivery refused');
  });

  it('redacts credentials in logged request headers, keeping the webhook id', () => {
    const { logger, lines } = memoryLogger();
    logger.info(
      {
        headers: {
          authorization: 'Bearer secret-token',
          'webhook-id': 'msg_1',
          'webhook-signature': 'v1,c2lnbmF0dXJl',
        },
      },
      'request',
    );
    expect(lines[0]).not.toContain('secret-token');
    expect(lines[0]).not.toContain('c2lnbmF0dXJl');
    expect(lines[0]).toContain('msg_1');
  });

  it('redacts child logger bindings', () => {
    const { logger, lines } = memoryLogger();
    logger.child({ customer: { id: 'cust-42', email: EMAIL } }).info('bound');
    expect(lines[0]).not.toContain(EMAIL);
    expect(lines[0]).toContain('cust-42');
  });
});

describe('scrubPii', () => {
  it.each([
    ['call +33 6 12 34 56 78 now', `call ${REDACTED} now`],
    ['call 0612345678.', `call ${REDACTED}.`],
    ['(555) 123-4567', `(${REDACTED}`],
    ['+1-555-123-4567', REDACTED],
    ['mail a.b+tag@mail.example.co.uk please', `mail ${REDACTED} please`],
  ])('scrubs %j', (input, expected) => {
    expect(scrubPii(input)).toBe(expected);
  });

  it.each([
    'closed at 2025-03-01T09:00:00.000Z, window 1d12h',
    'ticket tk_a2345672bcdefg234567 and cmd_2345672',
    'timeout after 1500000ms',
    'at handle (file:///srv/app/dist/ingest.js:123:45)',
    'ticket 4411 version 12',
    'id 123e4567-e89b-12d3-a456-426614174000',
  ])('keeps %j', (input) => {
    expect(scrubPii(input)).toBe(input);
  });
});

describe('query strings in logged URLs (issue 14, point 8)', () => {
  it('keeps the path and redacts the query', () => {
    expect(redactQuery('/v1/tickets?token=admin-secret')).toBe(`/v1/tickets?${REDACTED}`);
    expect(redactQuery('/ui/find')).toBe('/ui/find');
  });

  it('redacts the query of a request logged through the req serializer, and of any `url` field', () => {
    const { logger, lines } = memoryLogger();
    logger.info({ req: { method: 'GET', url: '/ui/find?q=Jeanne', host: 'h', ip: '127.0.0.1' } }, 'incoming request');
    logger.info({ url: '/v1/tickets?token=abc123', nested: { url: 'https://x.example/?email=a@b.fr' } }, 'other');
    const text = lines.join('');
    expect(text).toContain(`"url":"/ui/find?${REDACTED}"`);
    for (const secret of ['Jeanne', 'abc123', 'a@b.fr']) expect(text).not.toContain(secret);
  });
});

import fc from 'fast-check';

// Generated hostile input for the boundaries (HTTP bodies, Kafka record values): random JSON, valid
// events with one field given a wrong type, a huge, deeply nested or unicode-edge value, removed
// fields, `__proto__` / `constructor` / `prototype` keys, truncated text, invalid UTF-8 bytes,
// batches mixing all of that with valid events. Deep values are spliced in as text, so that neither
// the generator nor the test overflows its own stack building them.

export interface HostileInput {
  /** What was done, for the failure message. */
  readonly what: string;
  readonly bytes: Buffer;
  /** The generated event before deep values were spliced in (single events only). */
  readonly event?: unknown;
}

const CUSTOMERS = ['cus_fz1', 'cus_fz2', 'cus_fz3'];
const CHANNELS = ['sms', 'email', 'chat', 'whatsapp'];
let serial = 0;

/** A valid inbound event of any type; agent actions name `ticketId` (which may or may not exist). */
function validEvent(kind: number, customer: number, ticketId: string, tag: string): Record<string, unknown> {
  const subject = CUSTOMERS[customer % CUSTOMERS.length]!;
  const envelope = {
    specversion: '1.0',
    id: `fz-${++serial}`,
    time: new Date(Date.UTC(2026, 2, 2, 8) + serial * 60_000).toISOString(),
    subject,
  };
  const customerData = { id: subject, name: 'Fuzz Client', phone: '+33600000000' };
  switch (kind % 6) {
    case 0:
    case 1:
      return {
        ...envelope,
        source: 'https://fuzz.example/sms',
        type: 'message.received',
        data: {
          channel: CHANNELS[customer % 4],
          customer: customerData,
          message: { id: `m-${serial}`, body: `Bonjour ${tag}` },
        },
      };
    case 2:
      return { ...envelope, source: 'https://fuzz.example/agents', type: 'ticket.closed', data: { ticketId } };
    case 3:
      return {
        ...envelope,
        source: 'https://fuzz.example/agents',
        type: 'ticket.tagged',
        data: { ticketId, add: [tag] },
      };
    case 4:
      return {
        ...envelope,
        source: 'https://fuzz.example/agents',
        type: 'ticket.assigned',
        data: { ticketId, team: tag },
      };
    default:
      return {
        ...envelope,
        source: 'https://fuzz.example/agents',
        type: 'ticket.created',
        data: { ticketId: `tk_fz_${serial}`, channel: 'email', customer: customerData },
      };
  }
}

/** Every path to a value inside `value` (objects and arrays), the root excluded. */
function pathsOf(value: unknown, prefix: readonly (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

function parentOf(root: unknown, path: readonly (string | number)[]): Record<string | number, unknown> | null {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (typeof child !== 'object' || child === null) return null;
    node = child as Record<string | number, unknown>;
  }
  return node;
}

// Deep nesting travels as a placeholder string, replaced in the serialised text.
const DEEP = (depth: number, open: '[' | '{"a":') => `\u0000DEEP:${depth}:${open}\u0000`;
const expandDeep = (text: string): string =>
  text.replace(/"\\u0000DEEP:(\d+):(\[|\{\\"a\\":)\\u0000"/g, (_m, depth: string, open: string) => {
    const n = Number(depth);
    return open === '[' ? `${'['.repeat(n)}1${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  });

const UNICODE_EDGES = [
  '\u0000',
  '\u202e',
  '\ufeff',
  '\u200d',
  'e\u0301',
  '👩‍👩‍👧‍👦',
  '\ud800',
  '\udfff',
  '\ud83d\ude00',
  '\uffff',
  '\u{10ffff}',
  '𝕏',
  'ﷺ',
  '\r\n',
  '\u2028',
];

/** A value of any type, often one that a field cannot take. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1e308,
    -0,
    '',
    ' ',
    '1.0',
    '2026-02-30T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    [],
    {},
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.array(fc.constantFrom(...UNICODE_EDGES), { minLength: 1, maxLength: 6 }).map((parts) => parts.join('')),
  fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 10, max: 200_000 }).chain((depth) => fc.constantFrom(DEEP(depth, '['), DEEP(depth, '{"a":'))),
  fc.constantFrom('__proto__', 'constructor', 'prototype').map((key) => withOwnKey({}, key, { polluted: 'yes' })),
);

/** An object with an own enumerable key (also `__proto__`), as JSON.parse would make it. */
function withOwnKey(target: object, key: string, value: unknown): object {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  return target;
}

type Mutation =
  | { kind: 'set'; pick: number; value: unknown }
  | { kind: 'delete'; pick: number }
  | { kind: 'pollute'; pick: number; key: string; value: unknown }
  | { kind: 'none' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), pick: fc.nat(), value: hostileValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('pollute' as const),
      pick: fc.nat(),
      key: fc.constantFrom('__proto__', 'constructor', 'prototype'),
      value: hostileValue,
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
);

interface EventSpec {
  readonly kind: number;
  readonly customer: number;
  readonly ticket: number;
  readonly tag: string;
  readonly m: Mutation;
}

/** One valid event, then (maybe) one mutation. */
const mutatedEvent: fc.Arbitrary<EventSpec> = fc
  .record({
    kind: fc.nat(5),
    customer: fc.nat(2),
    ticket: fc.nat(),
    tag: fc.constantFrom('vip', 'billing', 'x'),
    mutation,
  })
  .map(({ kind, customer, ticket, tag, mutation: m }) => ({ kind, customer, ticket, tag, m }));

/** Tickets the test has seen accepted: agent actions aim at them (or at unknown ones). */
export interface KnownTickets {
  readonly ids: readonly string[];
}

function buildEvent(spec: EventSpec, known: KnownTickets): { what: string; value: unknown } {
  const ticketId =
    spec.ticket % 5 === 0 || known.ids.length === 0
      ? `tk_unknown_${spec.ticket}`
      : known.ids[spec.ticket % known.ids.length]!;
  const event = validEvent(spec.kind, spec.customer, ticketId, spec.tag);
  const { m } = spec;
  if (m.kind === 'none') return { what: `valid ${String(event['type'])}`, value: event };
  if (m.kind === 'pollute') {
    const objects = [[] as (string | number)[], ...pathsOf(event)].filter((p) => {
      const target =
        p.length === 0 ? event : (parentOf(event, p) as Record<string | number, unknown> | null)?.[p.at(-1)!];
      return typeof target === 'object' && target !== null && !Array.isArray(target);
    });
    const path = objects[m.pick % objects.length]!;
    const target = (path.length === 0 ? event : parentOf(event, path)![path.at(-1)!]) as object;
    withOwnKey(target, m.key, m.value);
    return { what: `${m.key} key at ${path.join('.') || '(root)'}`, value: event };
  }
  const paths = pathsOf(event);
  const path = paths[m.pick % paths.length]!;
  const parent = parentOf(event, path)!;
  const key = path.at(-1)!;
  if (m.kind === 'delete') {
    delete parent[key];
    return { what: `without ${path.join('.')}`, value: event };
  }
  parent[key] = m.value;
  return { what: `${path.join('.')} = ${describe(m.value)}`, value: event };
}

const describe = (value: unknown): string => {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 60)}… (${text.length} chars)` : text;
};

type Shape =
  | { shape: 'event'; spec: EventSpec }
  | { shape: 'batch'; specs: EventSpec[] }
  | { shape: 'json'; value: unknown }
  | { shape: 'truncated'; spec: EventSpec; cut: number }
  | { shape: 'bytes'; bytes: Uint8Array }
  | { shape: 'invalid-utf8'; spec: EventSpec; at: number; bad: Uint8Array };

// Byte sequences that are not UTF-8: lone continuation bytes, overlongs, surrogates encoded, truncated sequences.
const INVALID_UTF8 = [
  [0x80],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe2, 0x82],
  [0xff],
  [0xfe, 0xff],
];

export const hostileShape: fc.Arbitrary<Shape> = fc.oneof(
  { weight: 8, arbitrary: mutatedEvent.map((spec) => ({ shape: 'event' as const, spec })) },
  {
    weight: 2,
    arbitrary: fc
      .array(mutatedEvent, { minLength: 0, maxLength: 6 })
      .map((specs) => ({ shape: 'batch' as const, specs })),
  },
  { weight: 2, arbitrary: fc.jsonValue().map((value) => ({ shape: 'json' as const, value })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ spec: mutatedEvent, cut: fc.nat() })
      .map(({ spec, cut }) => ({ shape: 'truncated' as const, spec, cut })),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ shape: 'bytes' as const, bytes })) },
  {
    weight: 1,
    arbitrary: fc
      .record({
        spec: mutatedEvent,
        at: fc.nat(),
        bad: fc.constantFrom(...INVALID_UTF8.map((b) => Uint8Array.from(b))),
      })
      .map(({ spec, at, bad }) => ({ shape: 'invalid-utf8' as const, spec, at, bad })),
  },
);

/** The bytes of one generated input, built against the tickets known so far. */
export function render(shape: Shape, known: KnownTickets): HostileInput {
  switch (shape.shape) {
    case 'event': {
      const { what, value } = buildEvent(shape.spec, known);
      return { what, bytes: Buffer.from(expandDeep(JSON.stringify(value))), event: value };
    }
    case 'batch': {
      const events = shape.specs.map((spec) => buildEvent(spec, known));
      return {
        what: `batch [${events.map((e) => e.what).join(', ')}]`,
        bytes: Buffer.from(expandDeep(JSON.stringify(events.map((e) => e.value)))),
      };
    }
    case 'json':
      return { what: `random JSON ${describe(shape.value)}`, bytes: Buffer.from(JSON.stringify(shape.value)) };
    case 'truncated': {
      const text = expandDeep(JSON.stringify(buildEvent(shape.spec, known).value));
      const cut = shape.cut % Math.max(text.length, 1);
      return { what: `truncated at ${cut} of ${text.length}`, bytes: Buffer.from(text.slice(0, cut)) };
    }
    case 'bytes':
      return { what: `random bytes (${shape.bytes.length})`, bytes: Buffer.from(shape.bytes) };
    case 'invalid-utf8': {
      // Inside a string value (the body), so the JSON stays well-formed and only the encoding is wrong.
      const { value } = buildEvent({ ...shape.spec, m: { kind: 'none' } }, known);
      const text = Buffer.from(expandDeep(JSON.stringify(value)));
      const marker = text.indexOf('Bonjour');
      const at = marker >= 0 ? marker : shape.at % Math.max(text.length, 1);
      return {
        what: `invalid UTF-8 ${Buffer.from(shape.bad).toString('hex')} at byte ${at}`,
        bytes: Buffer.concat([text.subarray(0, at), shape.bad, text.subarray(at)]),
      };
    }
  }
}

/** What is done to the `ce-*` headers of a request turned into binary mode. */
export type HeaderMutation =
  | { kind: 'none' }
  | { kind: 'drop'; pick: number }
  | { kind: 'garble'; pick: number; value: string }
  | { kind: 'extra'; name: string; value: unknown };

export const headerMutation: fc.Arbitrary<HeaderMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }) },
  // Not the binding's percent-encoding: an overlong form, an encoded surrogate, a lone or bad escape.
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('garble' as const),
      pick: fc.nat(),
      value: fc.constantFrom('%C0%A0', '%ED%A0%80', '%', '%zz', 'a%2', '%FF%FE'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('extra' as const),
      name: fc.constantFrom('__proto__', 'constructor', 'traceparent', 'datacontenttype', 'data', 'x1'),
      value: hostileValue,
    }),
  },
);

/**
 * A generated input as a binary-mode request: each attribute of the event (a JSON object with
 * `data`) in a percent-encoded `ce-*` header, the data as the body; then the mutation. Null when
 * the input is not such an object (it is then sent as it is).
 */
export function asBinaryMode(
  input: HostileInput,
  mutation: HeaderMutation,
  encode: (value: string) => string,
): { what: string; headers: Record<string, string>; bytes: Buffer } | null {
  try {
    return binaryRequest(input, mutation, encode);
  } catch {
    // Not JSON, or nested too deep to serialise again: sent as it is.
    return null;
  }
}

function binaryRequest(
  input: HostileInput,
  mutation: HeaderMutation,
  encode: (value: string) => string,
): { what: string; headers: Record<string, string>; bytes: Buffer } | null {
  // The generated event when there is one, so deep values are spliced into the body and headers too.
  const event: unknown = input.event ?? JSON.parse(input.bytes.toString('utf8'));
  if (typeof event !== 'object' || event === null || Array.isArray(event) || !Object.hasOwn(event, 'data')) return null;
  const { data, ...attributes } = event as Record<string, unknown>;
  const text = (value: unknown) => encode(typeof value === 'string' ? value : expandDeep(JSON.stringify(value) ?? ''));
  // A name HTTP cannot carry (not a token) has no header: such an attribute is not sent.
  const headers: Record<string, string> = Object.fromEntries(
    Object.entries(attributes)
      .filter(([name]) => /^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(name))
      .map(([name, value]) => [`ce-${name.toLowerCase()}`, text(value)]),
  );
  const names = Object.keys(headers);
  let what = `binary mode: ${input.what}`;
  if (mutation.kind === 'drop' && names.length > 0) {
    const name = names[mutation.pick % names.length]!;
    delete headers[name];
    what += `, without ${name}`;
  } else if (mutation.kind === 'garble' && names.length > 0) {
    const name = names[mutation.pick % names.length]!;
    headers[name] = mutation.value;
    what += `, ${name}: ${mutation.value}`;
  } else if (mutation.kind === 'extra') {
    headers[`ce-${mutation.name}`] = text(mutation.value);
    what += `, ce-${mutation.name}: ${describe(mutation.value)}`;
  }
  return { what, headers, bytes: Buffer.from(expandDeep(JSON.stringify(data) ?? 'null')) };
}

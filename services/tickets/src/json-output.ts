/**
 * Elements of an array serialised together. Few: the native serialiser slows down as its string
 * grows (slices of 256 timeline entries, ~650 KB of text, cost 2–3× slices of 8 per entry).
 */
const SLICE = 8;
/** Bytes gathered before one write call. */
const WRITE_SIZE = 1 << 20;

/**
 * The text of `JSON.stringify(value, null, 2)`, as pieces to write one after the other, never as
 * one string: a ticket of 10k events is 25 MB of indented JSON, and building it whole cost a
 * quarter of `replay --json` plus the garbage of one huge string.
 *
 * Every piece comes from the native serialiser in the same nesting as in the whole document, so the
 * bytes are the same: a top-level object's properties each wrapped in an object of their own, a
 * large array's elements in slices wrapped in `{ key: slice }`, and the wrappers' own brackets cut
 * off. Anything else (arrays at the top, objects with `toJSON`) is serialised in one go.
 */
export function* jsonPieces(value: unknown): Generator<string> {
  if (!isPlainObject(value)) {
    const text = JSON.stringify(value, null, 2);
    // Like JSON.stringify, a value with no JSON form (undefined, a function) prints nothing at all.
    if (text !== undefined) yield text;
    return;
  }
  let first = true;
  for (const [key, property] of Object.entries(value)) {
    if (!isLargeArray(property)) {
      const text = propertyText(key, property);
      if (text === null) continue;
      yield first ? '{\n' : ',\n';
      first = false;
      yield text;
      continue;
    }
    yield first ? '{\n' : ',\n';
    first = false;
    const array = new ArrayText(key);
    yield array.opening();
    yield* array.elements(property);
    yield array.closing();
  }
  yield first ? '{}' : '\n}';
}

/** A property of an object written by writeJsonObject: a value, or an array given page by page. */
export type JsonProperty =
  | { readonly key: string; readonly value: () => unknown }
  | { readonly key: string; readonly pages: AsyncIterable<readonly unknown[]> };

/**
 * Writes the object of these properties as `JSON.stringify(object, null, 2)` would, and a newline,
 * while its arrays are still being produced: each value is asked for when its turn comes (a value
 * after an array may depend on it), each page is written and dropped.
 */
export async function writeJsonObject(out: NodeJS.WritableStream, properties: readonly JsonProperty[]): Promise<void> {
  const writer = new BufferedWriter(out);
  let first = true;
  for (const property of properties) {
    if ('value' in property) {
      const text = propertyText(property.key, property.value());
      if (text === null) continue;
      await writer.add(first ? '{\n' : ',\n');
      await writer.add(text);
    } else {
      await writer.add(first ? '{\n' : ',\n');
      const array = new ArrayText(property.key);
      await writer.add(array.opening());
      for await (const page of property.pages) for (const piece of array.elements(page)) await writer.add(piece);
      await writer.add(array.closing());
    }
    first = false;
  }
  await writer.add(first ? '{}\n' : '\n}\n');
  await writer.flush();
}

/** Writes `JSON.stringify(value, null, 2)` and a newline to `out` piece by piece, waiting whenever it asks to. */
export async function writeJson(out: NodeJS.WritableStream, value: unknown): Promise<void> {
  const writer = new BufferedWriter(out);
  for (const piece of jsonPieces(value)) await writer.add(piece);
  await writer.add('\n');
  await writer.flush();
}

/** Writes text given in pieces, gathered into writes of about WRITE_SIZE bytes, waiting whenever `out` asks to. */
export async function writeText(out: NodeJS.WritableStream, pieces: Iterable<string>): Promise<void> {
  const writer = new BufferedWriter(out);
  for (const piece of pieces) await writer.add(piece);
  await writer.flush();
}

/** `  "key": value` as in the object's indented JSON, or null when JSON.stringify leaves the property out. */
function propertyText(key: string, value: unknown): string | null {
  const whole = JSON.stringify({ [key]: value }, null, 2);
  // `{}`: undefined, functions and symbols are left out of objects, as JSON.stringify does.
  return whole.length === 2 ? null : whole.slice(2, -2);
}

/**
 * `  "key": [ … ]` written as its elements come, a slice at a time. Wrapped as the property of an
 * object, each slice's elements sit at the depth they have in the whole document.
 */
class ArrayText {
  readonly #key: string;
  readonly #opening: string;
  #any = false;

  constructor(key: string) {
    this.#key = key;
    this.#opening = `  ${JSON.stringify(key)}: [\n`;
  }

  opening(): string {
    return this.#opening.slice(0, -1);
  }

  *elements(part: readonly unknown[]): Generator<string> {
    for (let start = 0; start < part.length; start += SLICE) {
      const slice = JSON.stringify({ [this.#key]: part.slice(start, start + SLICE) }, null, 2);
      yield this.#any ? ',\n' : '\n';
      this.#any = true;
      yield slice.slice(2 + this.#opening.length, -'\n  ]\n}'.length);
    }
  }

  /** An empty array prints as `[]`. */
  closing(): string {
    return this.#any ? '\n  ]' : ']';
  }
}

/**
 * Gathers pieces into writes of about WRITE_SIZE bytes, encoded straight into a buffer, and waits for
 * `drain` when the stream is full. Joining the pieces into one string first (a copy of sliced
 * strings) and then encoding it (another) cost twice what the encoding alone does.
 */
class BufferedWriter {
  #buffer = Buffer.allocUnsafe(WRITE_SIZE);
  #length = 0;
  constructor(private readonly out: NodeJS.WritableStream) {}

  async add(piece: string): Promise<void> {
    // A UTF-16 code unit is at most 3 bytes in UTF-8 (a surrogate pair, two units, is 4).
    if (this.#length + 3 * piece.length > this.#buffer.length) {
      await this.flush();
      if (3 * piece.length > this.#buffer.length) return this.#write(piece);
    }
    this.#length += this.#buffer.write(piece, this.#length);
  }

  async flush(): Promise<void> {
    if (this.#length === 0) return;
    const chunk = this.#buffer.subarray(0, this.#length);
    // The stream may keep the chunk until it is written: the next pieces go to a buffer of their own.
    this.#buffer = Buffer.allocUnsafe(WRITE_SIZE);
    this.#length = 0;
    await this.#write(chunk);
  }

  async #write(chunk: Buffer | string): Promise<void> {
    if (!this.out.write(chunk)) await new Promise<void>((resolve) => this.out.once('drain', () => resolve()));
  }
}

const isLargeArray = (value: unknown): value is unknown[] =>
  Array.isArray(value) && value.length > SLICE && typeof (value as { toJSON?: unknown }).toJSON !== 'function';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  typeof (value as { toJSON?: unknown }).toJSON !== 'function';

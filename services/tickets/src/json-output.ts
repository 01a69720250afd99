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
 * Plain objects are walked property by property, at any depth (a what-if report's `commands` holds
 * three lists of ~70k commands: serialised whole, that one property was a 100 MB string); a large
 * array's elements are serialised natively in slices; anything else (small arrays, objects with
 * `toJSON`, scalars) in one go. Each native piece is indented to the depth it sits at: in indented
 * JSON a line break only ever separates structure (one inside a string is escaped as `\n`), so
 * prefixing every line of a value serialised alone gives its text in the whole document.
 */
export function* jsonPieces(value: unknown): Generator<string> {
  yield* valuePieces(value, '');
}

/** The pieces of `value` as it prints at an indentation of `pad` (its first line's prefix is the caller's). */
function* valuePieces(value: unknown, pad: string): Generator<string> {
  if (isLargeArray(value)) {
    const array = new ArrayText(pad);
    yield array.opening();
    yield* array.elements(value);
    yield array.closing();
    return;
  }
  if (!isPlainObject(value)) {
    const text = JSON.stringify(value, null, 2);
    // Like JSON.stringify, a value with no JSON form (undefined, a function) prints nothing at all.
    if (text !== undefined) yield indented(text, pad);
    return;
  }
  const inner = `${pad}  `;
  let first = true;
  for (const [key, property] of Object.entries(value)) {
    const pieces = valuePieces(property, inner);
    const head = pieces.next();
    // A property with no JSON form is left out, as JSON.stringify leaves it out.
    if (head.done === true) continue;
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(key)}: `;
    first = false;
    yield head.value;
    yield* pieces;
  }
  yield first ? '{}' : `\n${pad}}`;
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
    const head = `${first ? '{' : ','}\n  ${JSON.stringify(property.key)}: `;
    if ('value' in property) {
      const pieces = valuePieces(property.value(), '  ');
      const text = pieces.next();
      if (text.done === true) continue;
      await writer.add(head);
      await writer.add(text.value);
      for (const piece of pieces) await writer.add(piece);
    } else {
      await writer.add(head);
      const array = new ArrayText('  ');
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

/** `text` (the indented JSON of a value alone) as it prints at an indentation of `pad`. */
const indented = (text: string, pad: string): string => (pad === '' ? text : text.replaceAll('\n', `\n${pad}`));

/** An array at an indentation of `pad`, written as its elements come, a slice at a time. */
class ArrayText {
  readonly #pad: string;
  #any = false;

  constructor(pad: string) {
    this.#pad = pad;
  }

  opening(): string {
    return '[';
  }

  *elements(part: readonly unknown[]): Generator<string> {
    for (let start = 0; start < part.length; start += SLICE) {
      // `[\n  a,\n  b\n]`: the elements without the brackets, already one level in from the array.
      const slice = JSON.stringify(part.slice(start, start + SLICE), null, 2);
      yield this.#any ? ',\n' : '\n';
      this.#any = true;
      yield this.#pad + indented(slice.slice(2, -2), this.#pad);
    }
  }

  /** An empty array prints as `[]`. */
  closing(): string {
    return this.#any ? `\n${this.#pad}]` : ']';
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

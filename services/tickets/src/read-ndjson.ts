import { createReadStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { UsageError } from './usage-error.js';

export type NdjsonLine =
  | { readonly line: number; readonly ok: true; readonly value: unknown }
  | { readonly line: number; readonly ok: false; readonly message: string };

/** Fails fast (exit code 2) when the file cannot be read, before anything is processed. */
export async function assertReadable(path: string, option: string): Promise<void> {
  try {
    await access(path, constants.R_OK);
  } catch {
    throw new UsageError(`${option}: cannot read ${path}`);
  }
}

/** The file's lines in order, parsed; blank lines are skipped, unparsable ones reported, never thrown. */
export async function* readNdjson(path: string): AsyncGenerator<NdjsonLine> {
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield { line, ok: true, value: JSON.parse(text) as unknown };
    } catch (error) {
      yield { line, ok: false, message: `not JSON: ${(error as Error).message}` };
    }
  }
}

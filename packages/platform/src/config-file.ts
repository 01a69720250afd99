import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { formatZodIssues } from './zod-issues.js';

export type ConfigFileErrorCode = 'CONFIG.UNREADABLE' | 'CONFIG.SYNTAX' | 'CONFIG.INVALID';

/** Why a configuration file was refused: a value, so callers decide how to exit or respond. */
export interface ConfigFileError {
  readonly code: ConfigFileErrorCode;
  /** For humans: names the file and every problem, one per line. */
  readonly message: string;
  /** The path as given by the caller. */
  readonly file: string;
  /** The schema's findings, when the file parsed but did not validate. */
  readonly issues?: readonly z.core.$ZodIssue[];
}

export type ConfigFileResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ConfigFileError };

// Zod findings as lines; in a module of their own so that the configuration (config/tickets-config.ts)
// reports problems without loading the YAML parser.
export { formatIssuePath, formatZodIssues, zodIssueLines } from './zod-issues.js';

type Parsed = { ok: true; data: unknown } | { ok: false; problem: string };

// V8 gives "at position N" for most JSON errors but not for "Unexpected token": find it by
// bisecting on prefixes. A prefix that stops before the bad character is merely incomplete (its
// error, if any, sits at its very end), one that includes it fails earlier; that is monotonic.
function jsonErrorOffset(text: string, message: string): number | undefined {
  const stated = /at position (\d+)/.exec(message);
  if (stated?.[1] !== undefined) return Number(stated[1]);
  if (!message.startsWith('Unexpected token')) return undefined;
  const failsInside = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (error) {
      const reason = (error as Error).message;
      if (reason.startsWith('Unexpected end of JSON input')) return false;
      const at = /at position (\d+)/.exec(reason)?.[1];
      return at === undefined || Number(at) < length;
    }
  };
  let low = 1;
  let high = text.length;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (failsInside(mid)) high = mid;
    else low = mid + 1;
  }
  return low - 1;
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

function parseJson(text: string): Parsed {
  try {
    return { ok: true, data: JSON.parse(text) };
  } catch (error) {
    const raw = (error as Error).message;
    // Drop V8's echo of the source and its own position wording; we add line and column.
    const reason = raw
      .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '')
      .replace(/ in JSON at position \d+.*$/s, '');
    const offset = jsonErrorOffset(text, raw);
    return {
      ok: false,
      problem:
        offset === undefined
          ? `not valid JSON: ${reason}`
          : `not valid JSON at ${lineAndColumn(text, offset)}: ${reason}`,
    };
  }
}

function parseYaml(text: string): Parsed {
  const document = parseDocument(text);
  const [first] = document.errors;
  if (first !== undefined) {
    const reason = (first.message.split('\n')[0] ?? first.code).replace(/ at line \d+, column \d+:?$/, '');
    const position = first.linePos?.[0];
    const where = position === undefined ? '' : ` at line ${position.line}, column ${position.col}`;
    const more = document.errors.length > 1 ? ` (and ${document.errors.length - 1} more)` : '';
    return { ok: false, problem: `not valid YAML${where}: ${reason}${more}` };
  }
  try {
    return { ok: true, data: document.toJS() };
  } catch (error) {
    // Unresolved aliases and alias bombs surface only when converting.
    return { ok: false, problem: `not valid YAML: ${(error as Error).message}` };
  }
}

function parseByExtension(path: string, text: string): Parsed {
  const extension = extname(path).toLowerCase();
  if (extension === '.json') return parseJson(text);
  if (extension === '.yaml' || extension === '.yml') return parseYaml(text);
  // Unknown extension: JSON first (exact positions), then YAML. When both fail, report the
  // parser the text looks written for.
  const asJson = parseJson(text);
  if (asJson.ok) return asJson;
  const asYaml = parseYaml(text);
  if (asYaml.ok) return asYaml;
  return /^\s*[[{]/.test(text) ? asJson : asYaml;
}

function unreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, not a file';
  return (error as Error).message;
}

/**
 * Reads a YAML or JSON file (by extension) and validates it. Never throws: the result says what
 * was wrong, naming the file and every problem, so a CLI can exit non-zero with a clear message.
 */
export async function loadConfigFile<T>(
  path: string,
  schema: z.ZodType<T>,
  what: string,
): Promise<ConfigFileResult<T>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return {
      ok: false,
      error: {
        code: 'CONFIG.UNREADABLE',
        file: path,
        message: `${path}: cannot read the ${what} file: ${unreadable(error)}`,
      },
    };
  }
  // Editors on Windows may save a byte-order mark; JSON.parse rejects it.
  const parsed = parseByExtension(path, text.replace(/^\uFEFF/, ''));
  if (!parsed.ok) {
    return {
      ok: false,
      error: { code: 'CONFIG.SYNTAX', file: path, message: `${path}: ${what} file is ${parsed.problem}` },
    };
  }
  const result = schema.safeParse(parsed.data);
  if (!result.success) {
    const { issues } = result.error;
    return { ok: false, error: { code: 'CONFIG.INVALID', file: path, message: formatZodIssues(issues, path), issues } };
  }
  return { ok: true, value: result.data };
}

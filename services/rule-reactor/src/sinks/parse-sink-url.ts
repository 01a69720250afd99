import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@tickets/platform';
import { CommandSinkError, type CommandSink } from './command-sink.port.js';
import { createNdjsonFileSink } from './ndjson-file-sink.js';
import { createStdoutSink } from './stdout-sink.js';
import { createWebhookSink, type WebhookSinkOptions } from './webhook-sink.js';

export const COMMANDS_OPTION = '--commands';

/** What a `--commands` value asks for. */
export type SinkSpec =
  | { readonly kind: 'stdout' }
  | { readonly kind: 'none' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'webhook'; readonly url: string };

/** A `--commands` value we cannot use; the message names the option and the accepted forms. */
export class SinkSpecError extends CommandSinkError {
  override readonly name = 'SinkSpecError';
  readonly option = COMMANDS_OPTION;
  constructor(
    readonly spec: string,
    reason: string,
  ) {
    super(
      'SINK.INVALID_SPEC',
      `${COMMANDS_OPTION}: ${reason}; use stdout, none, file:PATH (or a path ending in .ndjson), or an http:// or https:// URL`,
      false,
    );
  }
}

// Echo the value back without credentials it may carry (`https://user:token@host`).
const shown = (spec: string): string => JSON.stringify(spec.replace(/\/\/[^/@]*@/, '//***@'));

const FILE_EXTENSIONS = /\.(?:ndjson|jsonl)$/i;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/** Parses a `--commands` value: `stdout` (or `-`), `none`, `file:PATH`, `PATH.ndjson`, `http(s)://…`. */
export function parseSinkSpec(spec: string): SinkSpec {
  const value = spec.trim();
  if (value === '') throw new SinkSpecError(spec, 'the value is empty');
  if (value === 'stdout' || value === '-') return { kind: 'stdout' };
  if (value === 'none') return { kind: 'none' };

  if (/^file:/i.test(value)) {
    let path: string;
    try {
      // `file:///abs/path` is a URL; `file:relative/path` is our shorthand for a plain path.
      path = /^file:\/\//i.test(value) ? fileURLToPath(value) : value.slice('file:'.length);
    } catch {
      throw new SinkSpecError(spec, `${shown(spec)} is not a valid file URL`);
    }
    if (path === '') throw new SinkSpecError(spec, 'file: needs a path, e.g. file:./out/commands.ndjson');
    return { kind: 'file', path };
  }

  if (/^https?:\/\//i.test(value)) {
    if (!URL.canParse(value)) throw new SinkSpecError(spec, `${shown(spec)} is not a valid URL`);
    return { kind: 'webhook', url: value };
  }

  // A Windows drive (`C:\out\commands.ndjson`) looks like a scheme but is a path.
  const scheme = SCHEME.exec(value)?.[1];
  if (scheme !== undefined && scheme.length > 1)
    throw new SinkSpecError(spec, `unsupported scheme "${scheme}:" in ${shown(spec)}`);
  if (FILE_EXTENSIONS.test(value)) return { kind: 'file', path: value };
  throw new SinkSpecError(spec, `unsupported value ${shown(spec)}`);
}

export interface CreateSinkOptions {
  readonly logger?: Logger;
  /** The stream for `stdout` (process.stdout unless a test gives another). */
  readonly stdout?: Writable;
  /** Retry and timeout settings for webhooks. */
  readonly webhook?: Omit<WebhookSinkOptions, 'url' | 'logger'>;
}

// `none`: commands are recorded in the store as decisions but sent nowhere.
const discardingSink = (): CommandSink => ({
  publish: async () => {},
  close: async () => {},
});

/** Builds the sink a `--commands` value names; throws `SinkSpecError` for anything else. */
export function createSink(spec: string, options: CreateSinkOptions = {}): CommandSink {
  const parsed = parseSinkSpec(spec);
  switch (parsed.kind) {
    case 'stdout':
      return createStdoutSink(options.stdout);
    case 'none':
      return discardingSink();
    case 'file':
      return createNdjsonFileSink(parsed.path);
    case 'webhook':
      return createWebhookSink({
        ...options.webhook,
        url: parsed.url,
        ...(options.logger === undefined ? {} : { logger: options.logger }),
      });
    default: {
      const unreachable: never = parsed;
      return unreachable;
    }
  }
}

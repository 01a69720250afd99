import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SIGNATURE_HEADERS, signWebhook, systemClock, WebhookSecret, type Clock } from '@tickets/platform';
import { UsageError } from '../usage-error.js';

export interface SignOptions {
  /** `whsec_…`; several during a rotation (each signs, all signatures are sent). */
  readonly secret: readonly string[];
  /** The exact bytes that will be POSTed; stdin when absent. */
  readonly body?: string;
  readonly id?: string;
  readonly timestamp?: string;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * `tickets sign`: the Standard Webhooks headers for a body, for testing an integration by hand.
 * The signature covers the body's exact bytes: post the same file (`curl --data-binary @FILE`).
 */
export async function sign(options: SignOptions, clock: Clock = systemClock): Promise<Record<string, string>> {
  if (options.secret.length === 0) throw new UsageError('sign: give --secret whsec_… (or TICKETS_SIGN_SECRET)');
  for (const secret of options.secret) {
    const parsed = WebhookSecret.safeParse(secret);
    if (!parsed.success) throw new UsageError(`sign: --secret: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  if (options.timestamp !== undefined && !/^\d{1,12}$/.test(options.timestamp))
    throw new UsageError('sign: --timestamp: expected Unix seconds');
  let body: Buffer;
  try {
    body = options.body === undefined ? await readStdin() : await readFile(options.body);
  } catch (error) {
    throw new UsageError(`sign: cannot read ${options.body ?? 'stdin'}: ${(error as Error).message}`);
  }
  const id = options.id ?? `msg_${randomUUID()}`;
  const timestamp = options.timestamp === undefined ? Math.floor(clock().getTime() / 1000) : Number(options.timestamp);
  const signature = options.secret.map((secret) => signWebhook({ id, timestamp, body, secret })).join(' ');
  return {
    [SIGNATURE_HEADERS.id]: id,
    [SIGNATURE_HEADERS.timestamp]: String(timestamp),
    [SIGNATURE_HEADERS.signature]: signature,
  };
}

/** `name: value` lines, the format `curl -H @FILE` reads. */
export const headerLines = (headers: Record<string, string>): string =>
  Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\n`)
    .join('');

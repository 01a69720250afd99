import { createHash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';
import { z } from 'zod';
import { ReopenPolicy, RulesFile } from '@tickets/domain';
import type { Json, NewEvent, RecordedEvent } from '@tickets/event-store';

// The configuration log: every set of rules and reopen policy a decision was made under, once each,
// in a stream named by its hash (`config-<hash>`). Every event a decision makes names that hash in
// its metadata (`config`), so an audit can decide it again under exactly what was in force.

export const CONFIG_STREAM_PREFIX = 'config-';
export const configStream = (hash: string): string => `${CONFIG_STREAM_PREFIX}${hash}`;
export { CONFIG_METADATA, configOf } from './config-of.js';

/** What a decision depends on besides its inputs; calendars join it once time-based rules exist. */
export const Configuration = z.object({ rules: RulesFile, policy: ReopenPolicy }).strict();
export type Configuration = z.infer<typeof Configuration>;

export const ConfigurationRecordedData = z.object({
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  configuration: Configuration,
});
export type ConfigurationRecordedData = z.infer<typeof ConfigurationRecordedData>;

/**
 * SHA-256 of the configuration's canonical JSON (keys sorted, no whitespace): the same rules and
 * policy hash the same whichever file, key order or YAML/JSON they were read from.
 */
export function configurationHash(configuration: Configuration): string {
  return createHash('sha256').update(canonicalJson(configuration)).digest('hex');
}

// Sorted keys, and anything that is not plain JSON (a function, a cycle, NaN) refused, not skipped.
const stringify = configure({ deterministic: true, strict: true, circularValue: TypeError, bigint: false });

export function canonicalJson(value: unknown): string {
  const text = stringify(value);
  if (text === undefined) throw new TypeError('a configuration must serialise to JSON');
  return text;
}

/** The record of a configuration; its id is the hash, so recording it twice is a no-op. */
export function configurationRecorded(configuration: Configuration, hash: string, recordedAt?: string): NewEvent {
  const data: ConfigurationRecordedData = { hash, configuration };
  return {
    id: `config:${hash}`,
    type: 'ConfigurationRecorded',
    data: data as unknown as Json,
    metadata: recordedAt === undefined ? {} : { recordedAt },
  };
}

/**
 * A recorded configuration read back, checked against its schema and its hash: content that does not
 * hash to its name was changed after it was recorded, and nothing decided under it can be trusted.
 */
export function readConfiguration(
  recorded: RecordedEvent,
): { ok: true; value: ConfigurationRecordedData } | { ok: false; reason: string } {
  const parsed = ConfigurationRecordedData.safeParse(recorded.data);
  if (!parsed.success)
    return {
      ok: false,
      reason: `not a configuration: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ')}`,
    };
  const hash = configurationHash(parsed.data.configuration);
  const named = recorded.stream.slice(CONFIG_STREAM_PREFIX.length);
  if (hash !== parsed.data.hash || hash !== named)
    return {
      ok: false,
      reason: `its content hashes to ${hash}, but it is recorded as ${parsed.data.hash} in ${recorded.stream}`,
    };
  return { ok: true, value: parsed.data };
}

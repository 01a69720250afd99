import { EventStoreError } from '../errors.js';
import type { EventStoreDBClientLike } from './esdb-client.port.js';

/**
 * The servers this adapter runs on. 26.1 is the first with `appendRecords`, the atomic write to
 * several streams with checks on streams it does not write, which `appendMany` needs to be all or
 * nothing (25.1's multi-stream append cannot check a stream without writing to it). Every server
 * version with a known subscription defect the adapter cannot work around is older:
 * - 22.6 to 22.10.3 and 23.6: the going-live checkpoint can name an event not yet delivered, so a
 *   subscriber that saves it and restarts skips that event;
 * - 24.2 to 24.10.4 (KDB-710): a filtered subscription from the start can get a checkpoint at
 *   (2^64-1, 2^64-1) (the adapter ignores it, but the versions are below the floor anyway).
 */
export const MIN_SERVER_VERSION = { major: 26, minor: 1, patch: 0 } as const;
export const MIN_SERVER_VERSION_TEXT = `${MIN_SERVER_VERSION.major}.${MIN_SERVER_VERSION.minor}.${MIN_SERVER_VERSION.patch}`;

export interface ServerVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** `26.1.0`, `v24.10.4`, `26.1.0-rc.1` → numbers; anything else (the client says `unknown` for servers without the features call) → undefined. */
export function parseServerVersion(text: string | undefined): ServerVersion | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text ?? '');
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

export function isSupportedServerVersion(version: ServerVersion): boolean {
  if (version.major !== MIN_SERVER_VERSION.major) return version.major > MIN_SERVER_VERSION.major;
  if (version.minor !== MIN_SERVER_VERSION.minor) return version.minor > MIN_SERVER_VERSION.minor;
  return version.patch >= MIN_SERVER_VERSION.patch;
}

/**
 * The server's version as the client learns it (its server-features call, made once per client).
 * The fake offers `serverVersion()`; the real client keeps the answer behind its `capabilities`
 * getter, which TypeScript calls protected but which is a plain getter at run time. A client with
 * neither (a hand-made test double) is not asked: undefined.
 */
async function serverVersionOf(client: EventStoreDBClientLike): Promise<string | null | undefined> {
  const candidate = client as unknown as {
    serverVersion?: () => Promise<string>;
    capabilities?: Promise<{ serverVersion?: string }>;
  };
  if (typeof candidate.serverVersion === 'function') return candidate.serverVersion();
  if (!('capabilities' in candidate)) return null;
  return (await candidate.capabilities)?.serverVersion;
}

/** Throws a final UNAVAILABLE naming the version and the minimum when the server is older than 26.1. */
export async function assertSupportedServer(client: EventStoreDBClientLike): Promise<void> {
  const text = await serverVersionOf(client);
  if (text === null) return;
  const version = parseServerVersion(text);
  if (version !== undefined && isSupportedServerVersion(version)) return;
  throw new EventStoreError(
    'EVENT_STORE.UNAVAILABLE',
    `KurrentDB ${text ?? 'of an unknown version'} is not supported: this adapter needs KurrentDB ${MIN_SERVER_VERSION_TEXT} or later (atomic multi-stream appends; see docs/kurrentdb.md)`,
    false,
  );
}

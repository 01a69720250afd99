import { defaultConfig } from '@tickets/platform/config';
import { parseStoreUrl } from '@tickets/event-store';
import {
  CONFIG_STREAM_PREFIX,
  configOf,
  INBOUND_STREAM_PREFIX,
  openDomainStore,
  type PiiSettings,
  readConfiguration,
  type Configuration,
} from '@tickets/streams';
import { assertStoreExists } from '../existing-store.js';
import { UsageError } from '../usage-error.js';

export interface RecordedConfiguration {
  readonly hash: string;
  /** Store position of its record: before every decision made under it. */
  readonly position: number;
  /** Wall-clock time the ingest recorded it, when it had a clock (serve). */
  readonly recordedAt: string | null;
  /** Why its content cannot be trusted (it does not hash to its name), or null. */
  readonly invalid: string | null;
  readonly decisions: number;
}

/** A stretch of consecutive decisions (in arrival order) made under one configuration. */
export interface ConfigurationPeriod {
  /** Null: decisions written before configurations were recorded. */
  readonly config: string | null;
  readonly decisions: number;
  readonly from: { readonly position: number; readonly time: string | null };
  readonly to: { readonly position: number; readonly time: string | null };
}

export interface ConfigHistory {
  readonly configurations: readonly RecordedConfiguration[];
  readonly periods: readonly ConfigurationPeriod[];
}

const PAGE = 5_000;

/** A store to read, with the configuration's personal-data settings (defaults when absent). */
interface StoreOptions {
  readonly store: string;
  readonly pii?: PiiSettings | undefined;
}

async function readLog(options: StoreOptions, each: (recorded: Parameters<typeof configOf>[0]) => void): Promise<void> {
  assertStoreExists(options.store);
  const { store, checkpoints } = await openDomainStore(
    parseStoreUrl(options.store),
    options.pii ?? defaultConfig().pii,
    {
      reachIndexes: false,
    },
  );
  await checkpoints.close();
  try {
    let after = 0;
    for (;;) {
      const page = await store.readAll({
        after,
        maxCount: PAGE,
        streamPrefixes: [CONFIG_STREAM_PREFIX, INBOUND_STREAM_PREFIX],
      });
      if (page.length === 0) return;
      for (const recorded of page) each(recorded);
      after = page.at(-1)!.position;
    }
  } finally {
    await store.close();
  }
}

/**
 * `tickets config history`: every configuration recorded, and when each was in force, read from the
 * decisions themselves (the inbound log in arrival order, each record naming its configuration).
 */
export async function configHistory(options: StoreOptions): Promise<ConfigHistory> {
  const configurations = new Map<
    string,
    { hash: string; position: number; recordedAt: string | null; invalid: string | null; decisions: number }
  >();
  const periods: {
    config: string | null;
    decisions: number;
    from: { position: number; time: string | null };
    to: { position: number; time: string | null };
  }[] = [];
  await readLog(options, (recorded) => {
    if (recorded.stream.startsWith(CONFIG_STREAM_PREFIX)) {
      const read = readConfiguration(recorded);
      const recordedAt = recorded.metadata['recordedAt'];
      configurations.set(recorded.stream.slice(CONFIG_STREAM_PREFIX.length), {
        hash: recorded.stream.slice(CONFIG_STREAM_PREFIX.length),
        position: recorded.position,
        recordedAt: typeof recordedAt === 'string' ? recordedAt : null,
        invalid: read.ok ? null : read.reason,
        decisions: 0,
      });
      return;
    }
    if (recorded.type !== 'InboundAccepted') return;
    const config = configOf(recorded);
    const time = (recorded.data as { event?: { time?: unknown } }).event?.time;
    const ms = typeof time === 'string' ? Date.parse(time) : Number.NaN;
    const at = { position: recorded.position, time: Number.isNaN(ms) ? null : new Date(ms).toISOString() };
    const current = periods.at(-1);
    if (current === undefined || current.config !== config) periods.push({ config, decisions: 1, from: at, to: at });
    else {
      current.decisions++;
      current.to = at;
    }
    const known = config === null ? undefined : configurations.get(config);
    if (known !== undefined) known.decisions++;
  });
  return { configurations: [...configurations.values()], periods };
}

/** `tickets config show HASH`: the rules and reopen policy recorded under that hash (or a unique start of it). */
export async function configShow(options: StoreOptions & { readonly hash: string }): Promise<Configuration> {
  const found: Configuration[] = [];
  const names: string[] = [];
  await readLog(options, (recorded) => {
    if (
      !recorded.stream.startsWith(CONFIG_STREAM_PREFIX) ||
      !recorded.stream.slice(CONFIG_STREAM_PREFIX.length).startsWith(options.hash)
    )
      return;
    const read = readConfiguration(recorded);
    if (!read.ok) throw new UsageError(`configuration ${recorded.stream}: ${read.reason}`);
    found.push(read.value.configuration);
    names.push(read.value.hash);
  });
  if (found.length !== 1)
    throw new UsageError(
      found.length === 0
        ? `no configuration ${options.hash} in ${options.store}`
        : `${options.hash} names ${found.length} configurations: ${names.join(', ')}`,
    );
  return found[0]!;
}

export function formatConfigHistory(history: ConfigHistory): string {
  const out = [
    `${history.configurations.length} configuration${history.configurations.length === 1 ? '' : 's'} recorded`,
  ];
  for (const c of history.configurations) {
    out.push(
      `  ${c.hash}  recorded at position ${c.position}${c.recordedAt === null ? '' : ` (${c.recordedAt})`}, ${c.decisions} decision${c.decisions === 1 ? '' : 's'}${c.invalid === null ? '' : `  INVALID: ${c.invalid}`}`,
    );
  }
  out.push('', 'in force, by arrival order of the decisions:');
  if (history.periods.length === 0) out.push('  no decision recorded');
  for (const p of history.periods) {
    const name =
      p.config === null ? '(not recorded: written before configurations were recorded)' : p.config.slice(0, 12);
    out.push(
      `  ${name}  from ${p.from.time ?? '-'} (position ${p.from.position}) to ${p.to.time ?? '-'} (position ${p.to.position}): ${p.decisions} decision${p.decisions === 1 ? '' : 's'}`,
    );
  }
  return `${out.join('\n')}\n`;
}

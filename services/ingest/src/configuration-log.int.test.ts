import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES } from '@tickets/domain';
import { createSqliteEventStore } from '@tickets/event-store/sqlite';
import { createLogger } from '@tickets/platform';
import { CONFIG_STREAM_PREFIX, configOf, configurationHash, readConfiguration } from '@tickets/streams';
import { messageReceived, NO_RULES, tempDir } from '@tickets/testing';
import { createIngest } from './ingest.js';

const logger = createLogger({ level: 'silent' });
const T0 = '2026-03-02T08:00:00.000Z';

describe('the configuration in force is recorded with the decisions made under it', () => {
  it('records new rules and policy once, content-addressed, and every event of every decision names their hash', async () => {
    using dir = tempDir();
    const path = join(dir.path, 'events.db');
    const shipped = configurationHash({ rules: DEFAULT_RULES, policy: DEFAULT_REOPEN_POLICY });
    const none = configurationHash({ rules: NO_RULES, policy: DEFAULT_REOPEN_POLICY });

    // Two starts with the shipped configuration, then one with other rules.
    for (const [n, rules] of [
      [1, DEFAULT_RULES],
      [2, DEFAULT_RULES],
      [3, NO_RULES],
    ] as const) {
      const store = createSqliteEventStore({ path });
      const ingest = createIngest({ store, rules, policy: DEFAULT_REOPEN_POLICY, logger });
      const [result] = await ingest.submit([messageReceived({ id: `sms-${n}`, time: T0, body: `message ${n}` })]);
      expect(result?.status).toBe('accepted');
      await ingest.close();
      await store.close();
    }

    const store = createSqliteEventStore({ path });
    try {
      const configs = await store.readAll({ streamPrefixes: [CONFIG_STREAM_PREFIX] });
      expect(configs.map((c) => c.stream)).toEqual([`config-${shipped}`, `config-${none}`]);
      for (const recorded of configs) expect(readConfiguration(recorded).ok).toBe(true);
      const read = readConfiguration(configs[0]!);
      expect(read.ok && read.value.configuration).toEqual({ rules: DEFAULT_RULES, policy: DEFAULT_REOPEN_POLICY });

      const decided = await store.readAll({ streamPrefixes: ['ticket-', 'customer-', 'inbound-'] });
      const byCorrelation = (id: string) =>
        new Set(decided.filter((e) => e.metadata.correlationId === id).map(configOf));
      expect(byCorrelation('sms-1')).toEqual(new Set([shipped]));
      expect(byCorrelation('sms-2')).toEqual(new Set([shipped]));
      expect(byCorrelation('sms-3')).toEqual(new Set([none]));
      // The record comes before any decision naming it.
      expect(configs[1]!.position).toBeLessThan(
        Math.min(...decided.filter((e) => configOf(e) === none).map((e) => e.position)),
      );
    } finally {
      await store.close();
    }
  });

  it('hashes the same content the same whatever the key order', () => {
    const reordered = {
      policy: {
        integrations: DEFAULT_REOPEN_POLICY.integrations,
        channels: DEFAULT_REOPEN_POLICY.channels,
        default: DEFAULT_REOPEN_POLICY.default,
      },
      rules: DEFAULT_RULES,
    } as const;
    expect(configurationHash(reordered)).toBe(
      configurationHash({ rules: DEFAULT_RULES, policy: DEFAULT_REOPEN_POLICY }),
    );
    expect(configurationHash({ rules: NO_RULES, policy: DEFAULT_REOPEN_POLICY })).not.toBe(
      configurationHash({ rules: DEFAULT_RULES, policy: DEFAULT_REOPEN_POLICY }),
    );
  });
});

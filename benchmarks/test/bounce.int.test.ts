import { describe, expect, it } from 'vitest';
import { createLogger } from '@tickets/platform';
import { TEST_KAFKA_BROKERS } from '@tickets/testing';
import { expectEndedAsSimulate } from './ended-as-simulate.js';
import { runBounce, type BounceOptions } from '../src/bounce-run.js';

// The bounce test at CI size (docs/development.md: the bounce test): the services as separate processes on a
// real broker (`npm test` starts one, or TICKETS_TEST_KAFKA_BROKERS) and one SQLite file, stopped at
// random every few seconds, must end exactly where `tickets simulate` of the same events ends.
// The services run from dist: `npm test` builds first.

const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
const MINUTE = 60_000;

const options = (overrides: Partial<BounceOptions>): BounceOptions => ({
  events: 20_000,
  customers: 3_000,
  mode: 'kill',
  intervalSeconds: 3,
  // Unpaced: events go out at this rate whatever the pipeline does, so a customer's next event is
  // often decided before the previous one's commands are published — the outcome must not care.
  rate: 1_000,
  seed: 42,
  brokers: TEST_KAFKA_BROKERS,
  partitions: 6,
  store: 'sqlite',
  postgresUrl: process.env['TICKETS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
  logLevel: 'warn',
  timeoutSeconds: 12 * 60,
  keep: false,
  logger,
  ...overrides,
});

describe('bounce: services stopped at random while 20k events flow end where simulate ends', () => {
  it(
    'SIGKILL: no event lost, the same ticket states, the same commands (repeats only with identical content)',
    { timeout: 15 * MINUTE },
    async () => {
      const report = await runBounce(options({ mode: 'kill', intervalSeconds: 2, minimumStops: 5 }));
      expectEndedAsSimulate(report);
    },
  );

  it(
    'SIGTERM: the same, and not one duplicate command (a graceful stop checkpoints what it published)',
    { timeout: 10 * MINUTE },
    async () => {
      const report = await runBounce(
        options({ mode: 'term', events: 10_000, customers: 2_000, intervalSeconds: 2, minimumStops: 3, seed: 7 }),
      );
      expectEndedAsSimulate(report);
      expect(report.forcedStops).toBe(0);
    },
  );
});

import { describe, expect, it } from 'vitest';
import { createLogger } from '@tickets/platform';
import { TEST_KAFKA_BROKERS } from '@tickets/testing';
import { expectEndedAsSimulate } from './ended-as-simulate.js';
import { runBounce } from '../src/bounce-run.js';

// Scale-out under crashes (docs/scaling.md): 3 ingest instances in one consumer group and 2 instances
// of the projector and of the rule-reactor (a standby for each follower role, leased in PostgreSQL),
// as processes on a real broker and PostgreSQL, one SIGKILLed every few seconds while 20,000 events go
// in unpaced (each customer's in order). The end must be `tickets simulate`'s. The pipeline takes
// minutes to drain them on two cores, so the kills land while events flow. TICKETS_SCALE_OUT_EVENTS
// and TICKETS_SCALE_OUT_RATE (events/s, 0: unpaced) change the size. The services run from dist:
// `npm test` builds first.

const EVENTS = Number(process.env['TICKETS_SCALE_OUT_EVENTS'] ?? '20000');
const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
const MINUTE = 60_000;

describe('scale-out: 3 ingests and 2 of each follower, one SIGKILLed every few seconds, end where simulate ends', () => {
  it(
    'no event lost, the same ticket states, the same commands (repeats only with identical content), every role taken over',
    { timeout: 30 * MINUTE },
    async () => {
      const report = await runBounce({
        events: EVENTS,
        customers: Math.max(200, Math.round(EVENTS / 5)),
        mode: 'kill',
        intervalSeconds: 3,
        // On a fast machine the 20,000 events drain in ~15 s, fewer stops than this: the rest then
        // land on a quiet pipeline.
        minimumStops: 5,
        rate: Number(process.env['TICKETS_SCALE_OUT_RATE'] ?? '0'),
        seed: 13,
        brokers: TEST_KAFKA_BROKERS,
        partitions: 6,
        store: 'postgres',
        postgresUrl: process.env['TICKETS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
        logLevel: 'warn',
        timeoutSeconds: 25 * 60,
        keep: false,
        logger,
        replicas: { ingest: 3, projector: 2, relay: 2 },
      });
      process.stdout.write(
        `scale-out: ${JSON.stringify({ stops: report.stops, stopsWhileFlowing: report.stopsWhileFlowing, seconds: report.seconds, recoveries: report.recoverySummary })}\n`,
      );
      expectEndedAsSimulate(report);
      // Ingests and followers both were killed.
      expect(report.stops.ingest).toBeGreaterThanOrEqual(1);
      expect(report.stops.projector + report.stops.relay).toBeGreaterThanOrEqual(1);
      // Every recovery happened: each ingest kill ended in a stable group, each role a killed process held was taken over.
      expect(report.recoveries.filter((r) => r.seconds === null)).toEqual([]);
      // A role whose standby was up is taken within seconds (the lock goes with the killed session; the
      // standby asks every 500 ms); the bound leaves room for a loaded CI machine.
      expect(report.recoveries.filter((r) => r.standby === true && (r.seconds ?? Infinity) > 15)).toEqual([]);
    },
  );
});

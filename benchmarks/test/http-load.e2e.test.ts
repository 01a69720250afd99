import { describe, expect, it } from 'vitest';
import { tempDir } from '@tickets/testing';
import { httpLoad } from '../src/http-load.js';

// The HTTP load test of `npm run bench`, short: a real `tickets serve` under autocannon for a few
// seconds, single events then batches of 100. Not about speed: about nothing lost under load.

describe('tickets serve under HTTP load (autocannon)', () => {
  it('every acknowledged event is in the store afterwards, no request fails', { timeout: 60_000 }, async () => {
    using dir = tempDir();
    const { results, check } = await httpLoad(dir.path, [
      // A slow answer on a busy machine is not what this test is about: only a lost or failed one.
      { name: 'single', batch: 1, seconds: 2, connections: 8, timeoutSeconds: 30 },
      { name: 'batch-100', batch: 100, seconds: 2, connections: 4, timeoutSeconds: 30 },
    ]);

    for (const result of results) {
      expect(result.errors, result.name).toBe(0);
      expect(result.acknowledged, result.name).toBeGreaterThan(0);
    }
    expect(check.lost).toBe(0);
    expect(check.acknowledged).toBe(results.reduce((sum, r) => sum + r.acknowledged, 0));
    // Only requests cut off when a phase ended may be stored without an answer: at most one per connection.
    expect(check.stored - check.acknowledged).toBeLessThanOrEqual(8 + 4 * 100);
    expect(check.stored).toBeGreaterThanOrEqual(check.acknowledged);
  });
});

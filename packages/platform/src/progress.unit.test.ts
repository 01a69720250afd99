import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';

function terminal(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (chunk: string) => written.push(chunk) };
}

describe('progress of a long run', () => {
  it('shows the count, the rate and the time left on a terminal', () => {
    const stream = terminal(true);
    let ms = 0;
    const progress = createProgress({ label: 'verify', total: 1_000_000, unit: 'events', stream, now: () => ms });
    ms = 2_000;
    progress.update(250_000);
    expect(stream.written.at(-1)).toBe('\r\x1b[Kverify: 250,000 / 1,000,000 events · 25% · 125,000 events/s · ETA 6s');
  });

  it('redraws at most once per interval, however often it is told', () => {
    const stream = terminal(true);
    let ms = 0;
    const progress = createProgress({ label: 'what-if', total: 100, stream, now: () => ms, intervalMs: 200 });
    ms = 1;
    progress.update(1);
    ms = 100;
    progress.update(2);
    ms = 250;
    progress.update(3);
    expect(stream.written).toHaveLength(2);
  });

  it('erases its line when done, so the result starts on a clean line', () => {
    const stream = terminal(true);
    let ms = 0;
    const progress = createProgress({ label: 'rebuild', total: 0, stream, now: () => ms });
    ms = 1_000;
    progress.update(10);
    progress.finish();
    expect(stream.written).toEqual(['\r\x1b[Krebuild: 10 · 10/s', '\r\x1b[K']);
  });

  it('writes nothing when the output is piped', () => {
    const stream = terminal(false);
    let ms = 0;
    const progress = createProgress({ label: 'verify', total: 10, stream, now: () => ms });
    ms = 5_000;
    progress.update(5);
    progress.finish();
    expect(stream.written).toEqual([]);
  });
});

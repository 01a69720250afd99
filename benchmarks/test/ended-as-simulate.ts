import { expect } from 'vitest';
import type { BounceReport } from '../src/bounce-run.js';

/**
 * What every crash run must end with: exactly `tickets simulate`'s tickets and commands (repeats
 * only with identical content), no event lost, nothing still moving, and services really stopped:
 * as many times as the run was asked to (`minimumStops`), at least once while the events flowed (a
 * quiet run would prove nothing). A failure names the kept run directory.
 */
export function expectEndedAsSimulate(report: BounceReport): void {
  expect(report.comparison.problems, `run directory: ${report.dir ?? '(deleted)'}`).toEqual([]);
  expect(report.quiet).toBe(true);
  expect(report.comparison.equal).toBe(true);
  expect(report.comparison.events.lost).toBe(0);
  expect(report.comparison.tickets.equal).toBe(report.comparison.tickets.expected);
  const { missing, extra, different } = report.comparison.commands;
  expect(missing.length + extra.length + different.length).toBe(0);
  expect(report.options.minimumStops).toBeGreaterThan(0);
  expect(report.stopsTotal).toBeGreaterThanOrEqual(report.options.minimumStops);
  expect(report.stopsWhileFlowing).toBeGreaterThanOrEqual(1);
  // A service that exits by itself is a crash even when the end is right: its last lines say why.
  expect(report.exits, `run directory: ${report.dir ?? '(deleted)'}`).toEqual([]);
}

import { z } from 'zod';

/** An RFC 3339 timestamp with an offset, normalised to UTC with millisecond precision. */
export const EventTime = z.iso
  .datetime({ offset: true, precision: undefined })
  .transform((value) => new Date(value).toISOString())
  .describe('RFC 3339 date-time (event time); normalised to UTC');

/** A timestamp already normalised to UTC (what we store and print). */
export const UtcTime = z.iso.datetime().describe('RFC 3339 UTC date-time');
export type UtcTime = z.infer<typeof UtcTime>;

/** The number spelt by the ASCII digits time[from, to), or -1 when one of them is not a digit. */
function digits(time: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = time.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The milliseconds of a time in the canonical form every stored time has (`2026-03-02T08:00:00.000Z`),
 * read without Date's general parser; null for any other form, and for the days where Date would roll
 * over or refuse (the 29th to the 31st, years before 1000), which the general parser then decides.
 * Replays parse a few times per event; this is what keeps that cheap.
 */
function canonicalMillis(time: string): number | null {
  if (
    time.length !== 24 ||
    time[4] !== '-' ||
    time[7] !== '-' ||
    time[10] !== 'T' ||
    time[13] !== ':' ||
    time[16] !== ':' ||
    time[19] !== '.' ||
    time[23] !== 'Z'
  ) {
    return null;
  }
  const year = digits(time, 0, 4);
  const month = digits(time, 5, 7);
  const day = digits(time, 8, 10);
  const hour = digits(time, 11, 13);
  const minute = digits(time, 14, 16);
  const second = digits(time, 17, 19);
  const ms = digits(time, 20, 23);
  if (
    year < 1000 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 28 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59 ||
    ms < 0
  ) {
    return null;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

export const toMillis = (time: string): number => canonicalMillis(time) ?? Date.parse(time);
export const fromMillis = (ms: number): string => new Date(ms).toISOString();

/** A valid RFC 3339 time as UTC in canonical form (what EventTime gives), without Date when it already is. */
export const toUtc = (time: string): string => (canonicalMillis(time) === null ? new Date(time).toISOString() : time);

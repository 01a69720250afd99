import { z } from 'zod';

/** An RFC 3339 timestamp with an offset, normalised to UTC with millisecond precision. */
export const EventTime = z
  .iso.datetime({ offset: true, precision: undefined })
  .transform((value) => new Date(value).toISOString())
  .describe('RFC 3339 date-time (event time); normalised to UTC');

/** A timestamp already normalised to UTC (what we store and print). */
export const UtcTime = z.iso.datetime().describe('RFC 3339 UTC date-time');
export type UtcTime = z.infer<typeof UtcTime>;

export const toMillis = (time: string): number => Date.parse(time);
export const fromMillis = (ms: number): string => new Date(ms).toISOString();

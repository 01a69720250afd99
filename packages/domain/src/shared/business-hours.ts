import { z } from 'zod';

// Business-hours calendars: an IANA time zone, weekly opening hours and holidays. Local wall time
// comes from Intl (the runtime's time-zone database), never from a hand-written table, so DST
// changes and zone rule updates are the platform's. Pure: an event time in, a yes or no out.

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const INTERVAL = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

/** Minutes since local midnight of `HH:MM-HH:MM`, end exclusive (`24:00` is the end of the day). */
function parseInterval(text: string): { from: number; to: number } | null {
  const match = INTERVAL.exec(text);
  if (match === null) return null;
  const [, h1, m1, h2, m2] = match;
  const from = Number(h1) * 60 + Number(m1);
  const to = Number(h2) * 60 + Number(m2);
  return to > from && to <= 24 * 60 ? { from, to } : null;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const Calendar = z
  .object({
    /** IANA time zone, e.g. Europe/Paris. */
    zone: z.string().refine(isTimeZone, { message: 'unknown IANA time zone' }),
    /** Opening hours per weekday in local time, e.g. `mon: ["09:00-12:30", "14:00-18:00"]`; absent: closed. */
    hours: z.partialRecord(
      z.enum(WEEKDAYS),
      z.array(
        z
          .string()
          .refine((t) => parseInterval(t) !== null, { message: 'expected HH:MM-HH:MM with the start before the end' }),
      ),
    ),
    /** Local dates the calendar is closed all day, e.g. 2026-05-01. */
    holidays: z.array(z.iso.date()).default([]),
  })
  .strict()
  .describe('Business hours: an IANA time zone, weekly hours and holidays');
export type Calendar = z.infer<typeof Calendar>;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let found = formatters.get(zone);
  if (found === undefined) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(zone, found);
  }
  return found;
}

/** The local date, weekday and minute of the day of an instant in a zone. */
export function localTime(zone: string, ms: number): { date: string; weekday: Weekday; minute: number } {
  const parts: Record<string, string> = {};
  for (const part of formatter(zone).formatToParts(ms)) parts[part.type] = part.value;
  const weekday = (parts['weekday'] ?? '').toLowerCase().slice(0, 3) as Weekday;
  return {
    date: `${parts['year']}-${parts['month']}-${parts['day']}`,
    weekday,
    minute: Number(parts['hour']) * 60 + Number(parts['minute']),
  };
}

/** Whether the calendar is open at this instant (local wall time inside one of the day's intervals, not a holiday). */
export function isOpen(calendar: Calendar, ms: number): boolean {
  const local = localTime(calendar.zone, ms);
  if (calendar.holidays.includes(local.date)) return false;
  for (const text of calendar.hours[local.weekday] ?? []) {
    const interval = parseInterval(text);
    if (interval !== null && local.minute >= interval.from && local.minute < interval.to) return true;
  }
  return false;
}

const DAY_MS = 86_400_000;
/** How far a business duration may reach: beyond it the calendar is as good as never open. */
const MAX_DAYS = 3_660;

/** The zone's offset from UTC at an instant (local wall time minus UTC), in milliseconds. */
function offsetAt(zone: string, ms: number): number {
  const parts: Record<string, string> = {};
  for (const part of formatter(zone).formatToParts(ms)) parts[part.type] = part.value;
  const wall = Date.UTC(
    Number(parts['year']),
    Number(parts['month']) - 1,
    Number(parts['day']),
    Number(parts['hour']),
    Number(parts['minute']),
  );
  // Seconds are not formatted: compare whole minutes of the instant.
  return wall - Math.floor(ms / 60_000) * 60_000;
}

/** The instant of a local wall time (`dayMs`: the local date as a UTC midnight; `minute` of that day). */
function instantOf(zone: string, dayMs: number, minute: number): number {
  const naive = dayMs + minute * 60_000;
  // Twice: the offset at the first guess may be the other side of a change.
  const first = naive - offsetAt(zone, naive);
  return naive - offsetAt(zone, first);
}

/** The open intervals of a local date as instants, in order (none on a holiday). */
function openIntervals(calendar: Calendar, dayMs: number): [number, number][] {
  const date = new Date(dayMs).toISOString().slice(0, 10);
  if (calendar.holidays.includes(date)) return [];
  const weekday = WEEKDAYS[(new Date(dayMs).getUTCDay() + 6) % 7]!;
  const intervals: [number, number][] = [];
  for (const text of calendar.hours[weekday] ?? []) {
    const interval = parseInterval(text);
    if (interval !== null)
      intervals.push([instantOf(calendar.zone, dayMs, interval.from), instantOf(calendar.zone, dayMs, interval.to)]);
  }
  return intervals.sort((a, b) => a[0] - b[0]);
}

/** Whether the calendar has any opening hour at all (a timer counted in it could never fall due otherwise). */
export const hasHours = (calendar: Calendar): boolean =>
  Object.values(calendar.hours).some((list) => (list ?? []).length > 0);

/**
 * The instant `durationMs` of open time after `fromMs`: time counts only inside the calendar's hours,
 * in its zone, DST and holidays included. The result is inside open hours or at the very end of an
 * interval (the last millisecond counted was open), never in closed time.
 */
export function addBusinessTime(calendar: Calendar, fromMs: number, durationMs: number): number {
  let remaining = durationMs;
  const local = localTime(calendar.zone, fromMs);
  const firstDay = Date.parse(`${local.date}T00:00:00.000Z`);
  for (let day = -1; day < MAX_DAYS; day++) {
    for (const [start, end] of openIntervals(calendar, firstDay + day * DAY_MS)) {
      const from = Math.max(start, fromMs);
      if (from >= end) continue;
      if (end - from >= remaining) return from + remaining;
      remaining -= end - from;
    }
  }
  throw new Error(`calendar in ${calendar.zone} has no open time within ${MAX_DAYS} days`);
}

/** The open time between two instants (`fromMs` ≤ `toMs`), counted in the calendar's hours. */
export function businessTimeBetween(calendar: Calendar, fromMs: number, toMs: number): number {
  let total = 0;
  const local = localTime(calendar.zone, fromMs);
  const firstDay = Date.parse(`${local.date}T00:00:00.000Z`);
  for (let day = -1; firstDay + (day - 1) * DAY_MS <= toMs && day < MAX_DAYS; day++) {
    for (const [start, end] of openIntervals(calendar, firstDay + day * DAY_MS)) {
      const from = Math.max(start, fromMs);
      const to = Math.min(end, toMs);
      if (to > from) total += to - from;
    }
  }
  return total;
}

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
      z.array(z.string().refine((t) => parseInterval(t) !== null, { message: 'expected HH:MM-HH:MM with the start before the end' })),
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
  return { date: `${parts['year']}-${parts['month']}-${parts['day']}`, weekday, minute: Number(parts['hour']) * 60 + Number(parts['minute']) };
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

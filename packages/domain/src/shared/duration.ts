import { z } from 'zod';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
const PATTERN = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Parses `7d`, `24h`, `90m`, `30s` or combinations such as `1d12h`; null when malformed or zero. */
export function parseDuration(text: string): number | null {
  const match = PATTERN.exec(text.trim());
  if (!match || text.trim() === '') return null;
  const [, d, h, m, s] = match;
  const ms =
    Number(d ?? 0) * UNIT_MS.d + Number(h ?? 0) * UNIT_MS.h + Number(m ?? 0) * UNIT_MS.m + Number(s ?? 0) * UNIT_MS.s;
  return ms > 0 ? ms : null;
}

/** Canonical text for a duration in milliseconds (whole seconds), e.g. 93_600_000 → `1d2h`. */
export function formatDuration(ms: number): string {
  let rest = Math.floor(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('') || '0s';
}

export const Duration = z
  .string()
  .refine((text) => parseDuration(text) !== null, {
    message: 'expected a positive duration such as 24h, 3d, 90m, 45s or 1d12h',
  })
  .describe('A positive duration: days, hours, minutes, seconds, e.g. 24h, 3d, 90m, 1d12h');

import { z } from 'zod';

/** Most events a timeline page holds, whatever is asked: a page must stay cheap to render. */
export const MAX_TIMELINE_PAGE = 1000;

const count = (name: string, min: number) =>
  z
    .string()
    .regex(/^\d+$/, `\`${name}\` must be a whole number`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, `\`${name}\` must be at least ${min}`)
        .max(
          name === 'limit' ? MAX_TIMELINE_PAGE : Number.MAX_SAFE_INTEGER,
          `\`${name}\` must be at most ${MAX_TIMELINE_PAGE}`,
        ),
    );

const PageQuery = z.object({ from: count('from', 0).optional(), limit: count('limit', 1).optional() });

export type PageQuery =
  | { readonly ok: true; readonly page: { from: number; limit: number } }
  | { readonly ok: false; readonly message: string };

/**
 * The `?from=&limit=` of a timeline request (the first event's index, 0-based, which is its version
 * in the ticket's stream; how many events), with the caller's default page size.
 */
export function timelinePageQuery(query: { from?: unknown; limit?: unknown }, defaultLimit: number): PageQuery {
  const parsed = PageQuery.safeParse({ from: query.from, limit: query.limit });
  if (!parsed.success) return { ok: false, message: parsed.error.issues.map((issue) => issue.message).join('; ') };
  return { ok: true, page: { from: parsed.data.from ?? 0, limit: parsed.data.limit ?? defaultLimit } };
}

/** Where the previous and next pages start, or null at either end. */
export function pageNeighbours(page: { from: number; limit: number; total: number }): {
  previous: number | null;
  next: number | null;
} {
  return {
    previous: page.from === 0 ? null : Math.max(0, Math.min(page.from, page.total) - page.limit),
    next: page.from + page.limit < page.total ? page.from + page.limit : null,
  };
}

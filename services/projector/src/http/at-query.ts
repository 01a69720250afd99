import { EventTime } from '@tickets/domain';
import { errorBody, type ErrorBody } from '@tickets/platform';

export type AtQuery =
  { readonly ok: true; readonly bound: { at?: string } } | { readonly ok: false; readonly answer: ErrorBody };

/** The `?at=` of a timeline request: absent, or an RFC 3339 time normalised to UTC. */
export function atQuery(at: string | undefined): AtQuery {
  if (at === undefined) return { ok: true, bound: {} };
  const parsed = EventTime.safeParse(at);
  if (!parsed.success)
    return { ok: false, answer: errorBody('REQUEST.INVALID_PARAMETER', '`at` must be an RFC 3339 date-time') };
  return { ok: true, bound: { at: parsed.data } };
}

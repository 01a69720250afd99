import type { PendingTimer, TicketEventOf } from '../ticket/ticket-events.js';
import type { SlaStatus } from '../ticket/ticket-state.js';

type TimerEvent = TicketEventOf<'TimerSet'> | TicketEventOf<'TimerCancelled'> | TicketEventOf<'TimerFired'>;

/**
 * The ticket's SLA targets after a timer event (`timers`: the pending timers before it); null when
 * the event is not an SLA breach timer's (the targets stay as they are). Only a
 * breach timer moves a target: set → running (due), cancelled with `remainingMs` → paused, cancelled
 * otherwise → met (gone), fired → breached. Warnings run actions only.
 */
export function foldSla(
  sla: readonly SlaStatus[],
  timers: readonly PendingTimer[],
  event: TimerEvent,
): SlaStatus[] | null {
  const timer = event.type === 'TimerSet' ? event.data : timers.find((t) => t.timerId === event.data.timerId);
  const tag = timer?.sla;
  if (tag === undefined || tag.stage !== 'breach') return null;
  const others = sla.filter((s) => s.name !== tag.name || s.metric !== tag.metric);
  const base = { name: tag.name, metric: tag.metric };
  switch (event.type) {
    case 'TimerSet':
      return [...others, { ...base, due: event.data.dueAt, breached: false, remainingMs: null }];
    case 'TimerFired':
      return [...others, { ...base, due: event.data.dueAt, breached: true, remainingMs: null }];
    case 'TimerCancelled': {
      const remainingMs = event.data.remainingMs;
      return remainingMs === undefined ? others : [...others, { ...base, due: null, breached: false, remainingMs }];
    }
  }
}

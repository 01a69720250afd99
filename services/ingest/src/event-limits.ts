import type { IngestLimits } from '@tickets/platform';
import type { RejectionReason } from './validate-inbound.js';

const messageBody = (event: unknown): unknown => {
  const data = typeof event === 'object' && event !== null ? (event as { data?: unknown }).data : undefined;
  const message = typeof data === 'object' && data !== null ? (data as { message?: unknown }).message : undefined;
  return typeof message === 'object' && message !== null ? (message as { body?: unknown }).body : undefined;
};

/**
 * Size limits of one inbound event, checked before validation and before any decision, the same
 * for HTTP (413) and Kafka (dead letter with these reasons). `bytes` is the event's serialized size
 * (undefined when the transport has already checked it: Kafka measures the record).
 */
export function eventLimitViolations(
  event: unknown,
  bytes: number | undefined,
  limits: IngestLimits,
): RejectionReason[] {
  const reasons: RejectionReason[] = [];
  if (bytes !== undefined && bytes > limits.maxEventBytes) {
    reasons.push({
      path: '(event)',
      code: 'too_big',
      message: `the event is ${bytes} bytes, over the limit of ${limits.maxEventBytes}`,
    });
  }
  const body = messageBody(event);
  if (typeof body === 'string' && body.length > limits.maxMessageChars) {
    reasons.push({
      path: 'data.message.body',
      code: 'too_big',
      message: `the message body is ${body.length} characters, over the limit of ${limits.maxMessageChars}`,
    });
  }
  return reasons;
}

/** The serialized size of an event already parsed out of a batch. */
export const serializedBytes = (event: unknown): number => Buffer.byteLength(JSON.stringify(event) ?? '', 'utf8');

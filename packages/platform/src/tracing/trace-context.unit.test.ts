import { describe, expect, it } from 'vitest';
import { readTraceContext, traceFields, traceIdOf } from './trace-context.js';
import { startStageSpan } from './stage-span.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('W3C trace context', () => {
  it('reads traceparent and tracestate from headers, a CloudEvent or metadata', () => {
    expect(readTraceContext({ traceparent: TRACEPARENT, tracestate: 'a=1,b=2' })).toEqual({
      traceparent: TRACEPARENT,
      tracestate: 'a=1,b=2',
    });
    expect(readTraceContext({ traceparent: [TRACEPARENT] })).toEqual({ traceparent: TRACEPARENT });
    expect(traceIdOf(readTraceContext({ traceparent: TRACEPARENT }))).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('ignores a missing or malformed traceparent instead of failing the work', () => {
    expect(readTraceContext({})).toBeUndefined();
    expect(readTraceContext(null)).toBeUndefined();
    expect(readTraceContext({ traceparent: 'not-a-trace' })).toBeUndefined();
    // All-zero trace ids are invalid by the W3C spec.
    expect(
      readTraceContext({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }),
    ).toBeUndefined();
    expect(readTraceContext({ traceparent: 42 })).toBeUndefined();
  });

  it('spreads nothing into metadata when there is no trace', () => {
    expect(traceFields(undefined)).toEqual({});
    expect(traceFields({ traceparent: TRACEPARENT })).toEqual({ traceparent: TRACEPARENT });
  });

  it('without an SDK, a stage span hands on the trace it came with, and untraced work stays untraced', () => {
    const span = startStageSpan('tickets.test', { traceparent: TRACEPARENT, tracestate: 'a=1' });
    expect(span.trace).toEqual({ traceparent: TRACEPARENT, tracestate: 'a=1' });
    expect(span.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    span.end();
    expect(startStageSpan('tickets.test', undefined)).toMatchObject({ trace: undefined, traceId: undefined });
  });
});

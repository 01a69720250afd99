import {
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  trace,
  type Context,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C Trace Context as it travels with our work: an HTTP header pair, the CloudEvents
 * distributed-tracing attributes, and the metadata of the events and commands it caused.
 */
export interface TraceContext {
  readonly traceparent: string;
  readonly tracestate?: string;
}

// Our own propagator, not the global one: without an OpenTelemetry SDK the global propagator does
// nothing, and the trace context must still be carried into events, commands and logs.
const propagator = new W3CTraceContextPropagator();

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;

/**
 * The trace context named by `traceparent`/`tracestate` in `carrier` (HTTP headers, a CloudEvent,
 * event metadata), or undefined when absent or malformed (an invalid traceparent is ignored, as
 * the W3C recommendation says, rather than failing the work).
 */
export function readTraceContext(carrier: unknown): TraceContext | undefined {
  if (typeof carrier !== 'object' || carrier === null) return undefined;
  const fields = carrier as Record<string, unknown>;
  const traceparent = text(fields['traceparent']);
  if (traceparent === undefined) return undefined;
  const tracestate = text(fields['tracestate']);
  const parsed = toContext({ traceparent, ...(tracestate === undefined ? {} : { tracestate }) });
  return trace.getSpanContext(parsed) === undefined ? undefined : fromContext(parsed);
}

/** An OpenTelemetry context whose parent span is `traceContext` (the root context when none). */
export function toContext(traceContext: TraceContext | undefined): Context {
  if (traceContext === undefined) return ROOT_CONTEXT;
  return propagator.extract(ROOT_CONTEXT, traceContext, defaultTextMapGetter);
}

/** The trace context of the active span in `ctx`, as header values; undefined when there is none. */
export function fromContext(ctx: Context = context.active()): TraceContext | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, defaultTextMapSetter);
  const { traceparent, tracestate } = carrier;
  if (traceparent === undefined) return undefined;
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
}

/** The 32-hex trace id of a traceparent (`00-<trace id>-<span id>-<flags>`), for log lines. */
export function traceIdOf(traceContext: TraceContext | undefined): string | undefined {
  return traceContext?.traceparent.split('-')[1];
}

/** The fields to spread into event metadata or a CloudEvent: nothing when there is no trace. */
export function traceFields(traceContext: TraceContext | undefined): { traceparent?: string; tracestate?: string } {
  if (traceContext === undefined) return {};
  return traceContext.tracestate === undefined ? { traceparent: traceContext.traceparent } : { ...traceContext };
}

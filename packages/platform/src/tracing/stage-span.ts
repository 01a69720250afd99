import { SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { fromContext, toContext, traceIdOf, type TraceContext } from './trace-context.js';

export interface StageSpan {
  /** The trace context to hand on (event metadata, commands): this span's when an SDK records spans, the parent's otherwise. */
  readonly trace: TraceContext | undefined;
  /** For log lines of this work. */
  readonly traceId: string | undefined;
  end(error?: unknown): void;
}

const UNTRACED: StageSpan = { trace: undefined, traceId: undefined, end() {} };

/**
 * A span for one piece of a stage's work (an inbound event ingested, a rule decision, a command
 * published), child of the trace context the work came with. Through `@opentelemetry/api`: with no
 * SDK registered the span is a non-recording stand-in that keeps the parent's context and costs an
 * allocation; work that came without a trace context and no SDK gets no span at all.
 */
export function startStageSpan(name: string, parent: TraceContext | undefined, attributes: Attributes = {}): StageSpan {
  const parentContext = toContext(parent);
  // The tracer is looked up each time: an SDK registered (or replaced) after this module loaded is used.
  const span = trace.getTracer('tickets').startSpan(name, { kind: SpanKind.CONSUMER, attributes }, parentContext);
  if (!span.isRecording() && parent === undefined) return UNTRACED;
  const handedOn = span.isRecording() ? fromContext(trace.setSpan(parentContext, span)) : parent;
  return {
    trace: handedOn,
    traceId: traceIdOf(handedOn),
    end(error) {
      if (error !== undefined)
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      span.end();
    },
  };
}

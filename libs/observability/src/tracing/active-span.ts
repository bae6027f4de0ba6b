import { trace, TraceFlags, type Attributes } from '@opentelemetry/api';

export type { Attributes as SpanAttributes } from '@opentelemetry/api';

/**
 * Business attributes and events on the span of the operation being run (a handler's, a saga step's):
 * what a domain module records on spans, without reaching into the OpenTelemetry API itself. No personal
 * data: ids, amounts, codes. Nothing happens when no span is active (tracing off, not sampled).
 */
export function annotateActiveSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

export function addActiveSpanEvent(name: string, attributes?: Attributes): void {
  trace.getActiveSpan()?.addEvent(name, attributes);
}

/**
 * The id of the trace being recorded, so that a record can point at it (an order at the trace that placed
 * it); undefined when no span is active or the trace is not sampled (it would lead nowhere).
 */
export function sampledTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && context.traceFlags & TraceFlags.SAMPLED ? context.traceId : undefined;
}

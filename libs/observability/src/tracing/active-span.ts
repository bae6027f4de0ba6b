import { trace, TraceFlags, type Attributes } from '@opentelemetry/api';

export type { Attributes as SpanAttributes } from '@opentelemetry/api';

/**
 * Span attributes, or the function that builds them: called only when the span records, so that a
 * request or a saga step that is not sampled builds nothing (no object, no spread, no formatting).
 */
export type LazySpanAttributes = Attributes | (() => Attributes);

/**
 * Business attributes and events on the span of the operation being run (a handler's, a saga step's):
 * what a domain module records on spans, without reaching into the OpenTelemetry API itself. No personal
 * data: ids, amounts, codes. Nothing happens when no span is active or the active one does not record
 * (tracing off, not sampled); pass a function (`annotateActiveSpan(() => ({ … }))`) when the attributes
 * cost something to build, and it is not even called then.
 */
export function annotateActiveSpan(attributes: LazySpanAttributes): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.setAttributes(typeof attributes === 'function' ? attributes() : attributes);
}

/** An event on the active span; its attributes, or the function building them, as `annotateActiveSpan`'s. */
export function addActiveSpanEvent(name: string, attributes?: LazySpanAttributes): void {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.addEvent(name, typeof attributes === 'function' ? attributes() : attributes);
}

/**
 * Whether the active span records what is added to it: for a caller with more span work than one set of
 * attributes to skip when the operation is not sampled.
 */
export function isActiveSpanRecording(): boolean {
  return trace.getActiveSpan()?.isRecording() ?? false;
}

/**
 * The id of the trace being recorded, so that a record can point at it (an order at the trace that placed
 * it); undefined when no span is active or the trace is not sampled (it would lead nowhere).
 */
export function sampledTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && context.traceFlags & TraceFlags.SAMPLED ? context.traceId : undefined;
}

import { isSpanContextValid, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';

/** The exemplar label naming the trace, as Grafana's `exemplarTraceIdDestinations` reads it. */
export const TRACE_ID_EXEMPLAR_LABEL = 'trace_id';

/** Exemplar labels linking a sample to its trace: `{ trace_id }`. */
export type TraceExemplar = Readonly<Record<typeof TRACE_ID_EXEMPLAR_LABEL, string>>;

/** "No exemplar", said on purpose: the sample is recorded without one, whatever trace is active then. */
export const NO_EXEMPLAR: Readonly<Record<string, never>> = Object.freeze({});

// The last trace's labels: consecutive samples of one trace (a request's queries, a saga step's) share
// them, as prom-client keeps an exemplar's labels by reference and never changes them.
let last: TraceExemplar | undefined;

function sampledExemplar(spanContext: SpanContext | undefined): TraceExemplar | undefined {
  if (!spanContext || !(spanContext.traceFlags & TraceFlags.SAMPLED)) return undefined;
  if (last?.trace_id === spanContext.traceId) return last;
  if (!isSpanContextValid(spanContext)) return undefined;
  last = Object.freeze({ [TRACE_ID_EXEMPLAR_LABEL]: spanContext.traceId });
  return last;
}

/**
 * Exemplar labels linking a sample to the active trace; undefined when nothing is traced or the trace is
 * not sampled (it was not exported: the link would lead nowhere).
 */
export function traceExemplar(): TraceExemplar | undefined {
  return sampledExemplar(trace.getActiveSpan()?.spanContext());
}

/**
 * Exemplar labels linking a sample to the trace of `spanContext`, for a measurement that ends outside the
 * span's context (an operation's duration, recorded once its span is no longer active): its trace when
 * sampled, `NO_EXEMPLAR` otherwise.
 */
export function spanExemplar(spanContext: SpanContext): TraceExemplar | typeof NO_EXEMPLAR {
  return sampledExemplar(spanContext) ?? NO_EXEMPLAR;
}

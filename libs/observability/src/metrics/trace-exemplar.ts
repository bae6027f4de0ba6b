import { isSpanContextValid, trace } from '@opentelemetry/api';

/** Exemplar labels linking a sample to the active trace (empty when nothing is being traced). */
export function traceExemplar(): Record<string, string> | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return undefined;
  return { trace_id: spanContext.traceId };
}

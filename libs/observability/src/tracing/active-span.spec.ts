import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { AlwaysOnSampler, ParentBasedSampler } from '@opentelemetry/sdk-trace';
import { useInMemoryTracing } from '../../../../test/support/in-memory-tracing';
import { addActiveSpanEvent, annotateActiveSpan, isActiveSpanRecording, sampledTraceId } from './active-span';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

describe('annotateActiveSpan, addActiveSpanEvent (in-memory span exporter)', () => {
  const exporter = useInMemoryTracing({ sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }) });
  const tracer = () => trace.getTracer('test');

  /** Runs `work` in a span, sampled or a child of an unsampled parent, and returns what it recorded. */
  const inSpan = (sampled: boolean, work: () => void) => {
    const parent = sampled
      ? ROOT_CONTEXT
      : trace.setSpan(
          ROOT_CONTEXT,
          trace.wrapSpanContext({
            traceId: TRACE_ID,
            spanId: 'b7ad6b7169203331',
            traceFlags: TraceFlags.NONE,
          }),
        );
    const span = tracer().startSpan('step', {}, parent);
    context.with(trace.setSpan(parent, span), work);
    span.end();
    return exporter.getFinishedSpans();
  };

  it('adds attributes and events, given as objects or built by a function, to a recording span', () => {
    const [span] = inSpan(true, () => {
      expect(isActiveSpanRecording()).toBe(true);
      annotateActiveSpan({ 'order.id': 'o-1' });
      annotateActiveSpan(() => ({ 'order.total': 100 }));
      addActiveSpanEvent('payment.captured', () => ({ 'order.total': 100 }));
      addActiveSpanEvent('payment.provider_unavailable');
    });
    expect(span.attributes).toEqual({ 'order.id': 'o-1', 'order.total': 100 });
    expect(span.events.map((event) => [event.name, event.attributes])).toEqual([
      ['payment.captured', { 'order.total': 100 }],
      ['payment.provider_unavailable', undefined],
    ]);
  });

  it('calls no attribute function when the active span does not record (not sampled)', () => {
    const attributes = jest.fn(() => ({ 'order.id': 'o-1' }));
    const spans = inSpan(false, () => {
      expect(isActiveSpanRecording()).toBe(false);
      expect(sampledTraceId()).toBeUndefined();
      annotateActiveSpan(attributes);
      addActiveSpanEvent('payment.captured', attributes);
    });
    expect(attributes).not.toHaveBeenCalled();
    expect(spans).toEqual([]);
  });

  it('calls no attribute function without an active span (tracing off)', () => {
    const attributes = jest.fn(() => ({ 'order.id': 'o-1' }));
    expect(isActiveSpanRecording()).toBe(false);
    annotateActiveSpan(attributes);
    addActiveSpanEvent('payment.captured', attributes);
    expect(attributes).not.toHaveBeenCalled();
  });
});

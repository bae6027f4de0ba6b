import http from 'node:http';
import { context, propagation, trace } from '@opentelemetry/api';
import { startTracing } from './start-tracing';

/** `OTEL_SDK_DISABLED=true` is the tracing switch of the observability benchmark: nothing may start. */
describe('startTracing with OTEL_SDK_DISABLED=true', () => {
  const httpRequest = http.request;

  it('starts no SDK: no tracer provider, no propagator, no context manager, no patched modules', () => {
    const tracing = startTracing(
      { serviceName: 'widgets', serviceVersion: '1.0.0', environment: 'test' },
      { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' },
    );
    expect(tracing).toMatchObject({ enabled: false, exporting: false, resource: null, spanProcessor: null });

    const span = trace.getTracer('widgets').startSpan('work');
    expect(span.isRecording()).toBe(false);
    expect(trace.isSpanContextValid(span.spanContext())).toBe(false);
    span.end();
    expect(propagation.fields()).toEqual([]);
    expect(context.with(trace.setSpan(context.active(), span), () => context.active())).toBe(
      context.active(),
    );
    expect(http.request).toBe(httpRequest);
  });

  it('answers later calls with the same disabled tracing and shuts down at once', async () => {
    const first = startTracing({ serviceName: 'a', serviceVersion: '1', environment: 'test' });
    expect(first.enabled).toBe(false);
    await expect(first.shutdown()).resolves.toBeUndefined();
  });
});

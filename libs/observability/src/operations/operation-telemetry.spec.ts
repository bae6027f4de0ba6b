import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { Counter, Histogram, Registry } from 'prom-client';
import { currentTraceCarrier, OperationTelemetry } from './operation-telemetry';

class Declined extends Error {
  readonly type = 'DECLINED';
}

describe('OperationTelemetry (in-memory span exporter, a private Prometheus registry)', () => {
  const exporter = new InMemorySpanExporter();
  const registry = new Registry();
  const durations = new Histogram({
    name: 'op_duration_seconds',
    help: 'test',
    labelNames: ['op', 'outcome'],
    registers: [registry],
  });
  const outcomes = new Counter({
    name: 'op_total',
    help: 'test',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const telemetry = new OperationTelemetry({
    tracerName: 'test',
    durations,
    outcomes,
    outcomeOf: (error) => (error instanceof Declined ? error.type : undefined),
    isError: (error) => !(error instanceof Declined),
  });
  const run = <T>(work: () => Promise<T>) =>
    telemetry.run(
      {
        span: 'op.charge',
        attributes: { 'order.id': 'o-1' },
        durationLabels: { op: 'charge' },
        countLabels: { kind: 'card' },
      },
      work,
    );
  const count = async (outcome: string) =>
    (await outcomes.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  const observations = async (outcome: string) =>
    (await durations.get()).values.find(
      (v) => v.metricName === 'op_duration_seconds_count' && v.labels.outcome === outcome,
    )?.value ?? 0;

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(
      new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
    );
  });
  afterAll(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });
  beforeEach(() => {
    exporter.reset();
    registry.resetMetrics();
  });

  it('runs the work inside an ended span and records a completed run', async () => {
    const active = await run(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return trace.getActiveSpan()?.spanContext().spanId;
    });
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('op.charge');
    expect(span.instrumentationScope.name).toBe('test'); // the caller's tracer name, not a library's
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.attributes).toEqual({ 'order.id': 'o-1' });
    expect(active).toBe(span.spanContext().spanId);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(await count('completed')).toBe(1);
    expect(await observations('completed')).toBe(1);
  });

  it('looks its tracer up once, when it is built, not on every run', async () => {
    const getTracer = jest.spyOn(trace, 'getTracer');
    try {
      await run(async () => undefined);
      await run(async () => undefined);
      expect(getTracer).not.toHaveBeenCalled();
      expect(exporter.getFinishedSpans()).toHaveLength(2);
    } finally {
      getTracer.mockRestore();
    }
  });

  it('records an unexpected failure as an exception with status ERROR, outcome `error`, and rethrows it', async () => {
    await expect(run(() => Promise.reject(new Error('store fell over')))).rejects.toThrow('store fell over');
    const [span] = exporter.getFinishedSpans();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'store fell over' });
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
    expect(span.attributes['operation.outcome']).toBe('error');
    expect(await count('error')).toBe(1);
    expect(await observations('error')).toBe(1);
  });

  it('labels an expected business failure with its type and leaves the span status unset', async () => {
    await expect(run(() => Promise.reject(new Declined('card declined')))).rejects.toBeInstanceOf(Declined);
    const [span] = exporter.getFinishedSpans();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
    expect(await count('DECLINED')).toBe(1);
    expect((await outcomes.get()).values[0].labels).toEqual({ kind: 'card', outcome: 'DECLINED' });
  });

  it('ends the span and records the run when the work throws synchronously', async () => {
    await expect(
      run(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    expect(await count('error')).toBe(1);
  });

  it('continues a stored trace (a CLIENT span under the span that stored it), later and elsewhere', async () => {
    const carrier = await run(async () => currentTraceCarrier());
    const [stored] = exporter.getFinishedSpans();
    expect(carrier.traceparent).toBe(`00-${stored.spanContext().traceId}-${stored.spanContext().spanId}-01`);
    exporter.reset();
    await telemetry.run({ span: 'webhook.deliver', kind: 'client', parent: carrier }, async () => undefined);
    const [delivered] = exporter.getFinishedSpans();
    expect(delivered.kind).toBe(SpanKind.CLIENT);
    expect(delivered.spanContext().traceId).toBe(stored.spanContext().traceId);
    expect(delivered.parentSpanContext?.spanId).toBe(stored.spanContext().spanId);
  });
});

import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
} from '@opentelemetry/sdk-trace';
import { Counter, Histogram, Registry } from 'prom-client';
import { inMemoryTracing } from '../../../../test/support/in-memory-tracing';
import { NO_EXEMPLAR } from '../metrics/trace-exemplar';
import type { TraceSampling } from '../tracing/start-tracing';
import { currentTraceCarrier, OperationTelemetry } from './operation-telemetry';

class Declined extends Error {
  readonly type = 'DECLINED';
}

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
/** A trace that its first process did not sample, stored or sent on as W3C headers (flags 00). */
const UNSAMPLED_CARRIER = { traceparent: `00-${TRACE_ID}-b7ad6b7169203331-00` };
/** The same trace, sampled by its first process (flags 01). */
const SAMPLED_CARRIER = { traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01` };
const PARENT_SPAN_ID = 'b7ad6b7169203331';

describe('OperationTelemetry (in-memory span exporter, a private Prometheus registry)', () => {
  // Parent-based, as the application's default: a root is sampled unless a test says otherwise.
  let rootSampler: Sampler = new AlwaysOnSampler();
  const tracing = inMemoryTracing({
    sampler: new ParentBasedSampler({
      root: { shouldSample: (...args) => rootSampler.shouldSample(...args), toString: () => 'root' },
    }),
    propagation: true,
  });
  const { exporter, provider } = tracing;
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

  beforeAll(() => tracing.install());
  afterAll(() => tracing.uninstall());
  beforeEach(() => {
    exporter.reset();
    registry.resetMetrics();
    rootSampler = new AlwaysOnSampler();
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

  describe('a run that is not sampled', () => {
    const isError = jest.fn(() => true);
    const outcomeOf = jest.fn((error: unknown) => (error instanceof Declined ? error.type : undefined));
    const lazy = new OperationTelemetry({ tracerName: 'test', durations, outcomes, outcomeOf, isError });
    const attributes = jest.fn(() => ({ 'order.id': 'o-1' }));
    const runUnder = <T>(parent: typeof UNSAMPLED_CARRIER | undefined, work: () => Promise<T>) =>
      lazy.run(
        {
          span: 'op.charge',
          parent,
          attributes,
          durationLabels: { op: 'charge' },
          countLabels: { kind: 'card' },
        },
        work,
      );
    /** The traceparent the work would hand on (to a workflow, an outbox row, a webhook). */
    const handedOn = async () => {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      return carrier.traceparent;
    };
    /** The spans the SDK hands out without recording, with their methods spied on. */
    const unrecorded: Span[] = [];
    let wrap: jest.SpyInstance;

    beforeEach(() => {
      jest.clearAllMocks();
      unrecorded.length = 0;
      const original = trace.wrapSpanContext;
      wrap = jest.spyOn(trace, 'wrapSpanContext').mockImplementation((spanContext: SpanContext) => {
        const span = original(spanContext);
        for (const method of ['setAttribute', 'setAttributes', 'recordException', 'setStatus'] as const)
          jest.spyOn(span, method);
        unrecorded.push(span);
        return span;
      });
    });
    afterEach(() => wrap.mockRestore());

    it('builds the attributes only when the span records', async () => {
      await runUnder(undefined, async () => undefined);
      expect(attributes).toHaveBeenCalledTimes(1);
      expect(exporter.getFinishedSpans()[0].attributes).toEqual({ 'order.id': 'o-1' });

      attributes.mockClear();
      await runUnder(UNSAMPLED_CARRIER, async () => undefined);
      expect(attributes).not.toHaveBeenCalled();
      expect(exporter.getFinishedSpans()).toHaveLength(1); // the sampled run's only
    });

    it('continues an unsampled trace unsampled: the work hands on its decision (flags 00)', async () => {
      const traceparent = await runUnder(UNSAMPLED_CARRIER, handedOn);
      expect(traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`));
      expect(traceparent).not.toBe(UNSAMPLED_CARRIER.traceparent); // its own (unrecorded) span, a child
      expect(exporter.getFinishedSpans()).toEqual([]);
    });

    it('keeps an unsampled active trace for the work, whose children are not sampled either', async () => {
      const parent = trace.wrapSpanContext({
        traceId: TRACE_ID,
        spanId: 'b7ad6b7169203331',
        traceFlags: TraceFlags.NONE,
      });
      const traceparent = await context.with(trace.setSpan(ROOT_CONTEXT, parent), () =>
        runUnder(undefined, async () => {
          trace.getTracer('child').startSpan('child').end();
          return handedOn();
        }),
      );
      expect(traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`));
      expect(attributes).not.toHaveBeenCalled();
      expect(exporter.getFinishedSpans()).toEqual([]);
    });

    it('keeps a root that the sampler dropped active too: its new trace is carried unsampled', async () => {
      rootSampler = new TraceIdRatioBasedSampler(0);
      const traceparent = await runUnder(undefined, handedOn);
      expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      expect(attributes).not.toHaveBeenCalled();
      expect(exporter.getFinishedSpans()).toEqual([]);
    });

    it('records its duration and outcome all the same', async () => {
      await runUnder(UNSAMPLED_CARRIER, async () => undefined);
      await expect(
        runUnder(UNSAMPLED_CARRIER, () => Promise.reject(new Declined('no'))),
      ).rejects.toBeInstanceOf(Declined);
      await expect(runUnder(UNSAMPLED_CARRIER, () => Promise.reject(new Error('down')))).rejects.toThrow(
        'down',
      );
      expect([await count('completed'), await count('DECLINED'), await count('error')]).toEqual([1, 1, 1]);
      expect([
        await observations('completed'),
        await observations('DECLINED'),
        await observations('error'),
      ]).toEqual([1, 1, 1]);
      expect(exporter.getFinishedSpans()).toEqual([]);
    });

    it('builds no exception, outcome attribute or status on its span when the work fails', async () => {
      let active: Span | undefined;
      await expect(
        runUnder(UNSAMPLED_CARRIER, async () => {
          active = trace.getActiveSpan();
          throw new Error('down');
        }),
      ).rejects.toThrow('down');
      const span = unrecorded.find((candidate) => candidate === active)!; // the run's, not its parent's
      expect(span).toBeDefined();
      expect(span.isRecording()).toBe(false);
      expect(span.spanContext().spanId).not.toBe(UNSAMPLED_CARRIER.traceparent.split('-')[2]);
      expect(span.recordException).not.toHaveBeenCalled();
      expect(span.setAttribute).not.toHaveBeenCalled();
      expect(span.setAttributes).not.toHaveBeenCalled();
      expect(span.setStatus).not.toHaveBeenCalled();
      expect(isError).not.toHaveBeenCalled(); // only the span's status depends on it
      expect(outcomeOf).toHaveBeenCalledTimes(1); // the outcome label does
    });

    it('with tracing off, passes a stored trace through, and switches no context when there is none', async () => {
      trace.disable();
      try {
        const untraced = new OperationTelemetry({ tracerName: 'test', outcomes });
        const traceparent = await untraced.run(
          { span: 'op.deliver', parent: UNSAMPLED_CARRIER, attributes },
          handedOn,
        );
        expect(traceparent).toBe(UNSAMPLED_CARRIER.traceparent);

        const switchContext = jest.spyOn(context, 'with');
        try {
          const before = context.active();
          const active = await untraced.run({ span: 'op.deliver', attributes }, async () => context.active());
          expect(active).toBe(before);
          expect(switchContext).not.toHaveBeenCalled();
        } finally {
          switchContext.mockRestore();
        }
        expect(attributes).not.toHaveBeenCalled();
        expect(await count('completed')).toBe(2);
      } finally {
        trace.setGlobalTracerProvider(provider);
      }
    });
  });
  describe('under an unsampled parent, with a sampler that follows the parent (parent-based, the default)', () => {
    const PARENT_BASED: TraceSampling = { followsParentSampling: true, recordsNothing: false };
    const isError = jest.fn(() => true);
    const outcomeOf = jest.fn((error: unknown) => (error instanceof Declined ? error.type : undefined));
    const instruments = { tracerName: 'test', durations, outcomes, outcomeOf, isError };
    const following = new OperationTelemetry(instruments, PARENT_BASED);
    const attributes = jest.fn(() => ({ 'order.id': 'o-1' }));
    const operation = (parent?: Record<string, string>) => ({
      span: 'op.charge',
      parent,
      attributes,
      durationLabels: { op: 'charge' },
      countLabels: { kind: 'card' },
    });
    /** What the work sees: the active span context, and the traceparent it would hand on. */
    const seen = async () => {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      return { spanContext: trace.getActiveSpan()?.spanContext(), traceparent: carrier.traceparent };
    };
    const unsampledParent = trace.wrapSpanContext({
      traceId: TRACE_ID,
      spanId: PARENT_SPAN_ID,
      traceFlags: TraceFlags.NONE,
    });
    let startSpan: jest.SpyInstance;
    let startTimer: jest.SpyInstance;

    beforeEach(() => {
      jest.clearAllMocks();
      startSpan = jest.spyOn(provider.getTracer('test'), 'startSpan');
      startTimer = jest.spyOn(durations, 'startTimer');
    });
    afterEach(() => {
      startSpan.mockRestore();
      startTimer.mockRestore();
    });

    it('starts no span for a stored unsampled trace, and runs the work in it: it hands on flags 00', async () => {
      const { spanContext, traceparent } = await following.run(operation(UNSAMPLED_CARRIER), seen);
      expect(startSpan).not.toHaveBeenCalled();
      expect(spanContext).toEqual({
        traceId: TRACE_ID,
        spanId: PARENT_SPAN_ID,
        traceFlags: TraceFlags.NONE,
        isRemote: true,
      });
      expect(traceparent).toBe(`00-${TRACE_ID}-${PARENT_SPAN_ID}-00`);
      expect(attributes).not.toHaveBeenCalled();
      expect(exporter.getFinishedSpans()).toEqual([]);
      expect(await count('completed')).toBe(1);
      expect(await observations('completed')).toBe(1);
      expect(startTimer).toHaveBeenCalledWith({ op: 'charge' }, NO_EXEMPLAR);
    });

    it('starts no span under an unsampled active span, and runs the work without a context switch', async () => {
      const outer = trace.setSpan(ROOT_CONTEXT, unsampledParent);
      const { active, spanContext, traceparent } = await context.with(outer, async () => {
        const switchContext = jest.spyOn(context, 'with');
        try {
          return await following.run(operation(), async () => {
            trace.getTracer('child').startSpan('child').end(); // the work's own spans are not sampled either
            return { active: context.active(), ...(await seen()) };
          });
        } finally {
          expect(switchContext).not.toHaveBeenCalled();
          switchContext.mockRestore();
        }
      });
      expect(startSpan).not.toHaveBeenCalled();
      expect(active).toBe(outer);
      expect(spanContext).toBe(unsampledParent.spanContext());
      expect(traceparent).toBe(`00-${TRACE_ID}-${PARENT_SPAN_ID}-00`);
      expect(exporter.getFinishedSpans()).toEqual([]);
      expect(await count('completed')).toBe(1);
    });

    it('records failures as before and rethrows them unchanged', async () => {
      const declined = new Declined('no');
      const down = new Error('down');
      await expect(following.run(operation(UNSAMPLED_CARRIER), () => Promise.reject(declined))).rejects.toBe(
        declined,
      );
      await expect(following.run(operation(UNSAMPLED_CARRIER), () => Promise.reject(down))).rejects.toBe(
        down,
      );
      await expect(
        following.run(operation(UNSAMPLED_CARRIER), () => {
          throw down;
        }),
      ).rejects.toBe(down);
      expect(startSpan).not.toHaveBeenCalled();
      expect([await count('DECLINED'), await count('error')]).toEqual([1, 2]);
      expect([await observations('DECLINED'), await observations('error')]).toEqual([1, 2]);
      expect((await outcomes.get()).values.map((v) => v.labels)).toEqual([
        { kind: 'card', outcome: 'DECLINED' },
        { kind: 'card', outcome: 'error' },
      ]);
      expect(isError).not.toHaveBeenCalled(); // no span, no status
      expect(exporter.getFinishedSpans()).toEqual([]);
    });

    it('starts a span under a sampled parent, as before', async () => {
      const { spanContext, traceparent } = await following.run(operation(SAMPLED_CARRIER), seen);
      expect(startSpan).toHaveBeenCalledTimes(1);
      const [span] = exporter.getFinishedSpans();
      expect(span.spanContext().traceId).toBe(TRACE_ID);
      expect(span.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID);
      expect(span.attributes).toEqual({ 'order.id': 'o-1' });
      expect(spanContext?.spanId).toBe(span.spanContext().spanId);
      expect(traceparent).toBe(`00-${TRACE_ID}-${span.spanContext().spanId}-01`);
    });

    it('starts a root span without a parent: the sampler makes the root decision', async () => {
      await following.run(operation(), seen);
      expect(startSpan).toHaveBeenCalledTimes(1);
      const [root] = exporter.getFinishedSpans();
      expect(root.parentSpanContext).toBeUndefined();
      expect(root.spanContext().traceFlags & TraceFlags.SAMPLED).toBe(TraceFlags.SAMPLED);

      exporter.reset();
      rootSampler = new TraceIdRatioBasedSampler(0);
      const { traceparent } = await following.run(operation(), seen);
      expect(startSpan).toHaveBeenCalledTimes(2);
      expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/); // a new trace, carried unsampled
      expect(traceparent).not.toContain(TRACE_ID);
      expect(exporter.getFinishedSpans()).toEqual([]);
    });

    it('starts a span when it is not told how the sampler decides (tracing not started here)', async () => {
      const untold = new OperationTelemetry(instruments);
      const { spanContext } = await untold.run(operation(UNSAMPLED_CARRIER), seen);
      expect(startSpan).toHaveBeenCalledTimes(1);
      expect(spanContext?.spanId).not.toBe(PARENT_SPAN_ID);
    });

    /** Runs `test` with `sampler` as the global tracer provider's, then puts the parent-based one back. */
    const withSampler = async (sampler: Sampler, test: () => Promise<void>) => {
      trace.disable();
      trace.setGlobalTracerProvider(
        new TracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
      );
      try {
        await test();
      } finally {
        trace.disable();
        trace.setGlobalTracerProvider(provider);
      }
    };

    it('starts a span under an unsampled parent with a sampler that decides on its own (always on)', () =>
      withSampler(new AlwaysOnSampler(), async () => {
        const independent = new OperationTelemetry(instruments, {
          followsParentSampling: false,
          recordsNothing: false,
        });
        const { traceparent } = await independent.run(operation(UNSAMPLED_CARRIER), seen);
        const [span] = exporter.getFinishedSpans(); // sampled, as the SDK samples it
        expect(span.spanContext().traceId).toBe(TRACE_ID);
        expect(span.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID);
        expect(span.attributes).toEqual({ 'order.id': 'o-1' });
        expect(traceparent).toBe(`00-${TRACE_ID}-${span.spanContext().spanId}-01`);
      }));

    it('with a sampler that samples nothing, starts no span under an unsampled parent, but still under a sampled one', () =>
      withSampler(new AlwaysOffSampler(), async () => {
        const off = new OperationTelemetry(instruments, {
          followsParentSampling: false,
          recordsNothing: true,
        });
        const offStartSpan = jest.spyOn(trace.getTracerProvider().getTracer('test'), 'startSpan');
        try {
          const unsampled = await off.run(operation(UNSAMPLED_CARRIER), seen);
          expect(offStartSpan).not.toHaveBeenCalled();
          expect(unsampled.traceparent).toBe(`00-${TRACE_ID}-${PARENT_SPAN_ID}-00`);

          // Its span ends the sampled trace here: what the work hands on is not sampled.
          const sampled = await off.run(operation(SAMPLED_CARRIER), seen);
          expect(offStartSpan).toHaveBeenCalledTimes(1);
          expect(sampled.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`));
          expect(sampled.traceparent).not.toContain(PARENT_SPAN_ID);
          expect(exporter.getFinishedSpans()).toEqual([]);
          expect(await count('completed')).toBe(2);
        } finally {
          offStartSpan.mockRestore();
        }
      }));
  });
});

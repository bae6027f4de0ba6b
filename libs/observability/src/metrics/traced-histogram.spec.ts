import { context, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { Histogram, register, Registry } from 'prom-client';
import { useInMemoryTracing } from '../../../../test/support/in-memory-tracing';
import { OperationTelemetry } from '../operations/operation-telemetry';
import { useOpenMetricsRegistry } from './metrics-exposition';
import { NO_EXEMPLAR, spanExemplar, traceExemplar } from './trace-exemplar';
import { makeHistogramProvider, TracedHistogram } from './traced-histogram';

const SAMPLED_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const OTHER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const UNSAMPLED_TRACE = 'a3ce929d0e0e47364bf92f3577b34da6';

/** A registry of its own, in the OpenMetrics format (the process's is switched the same way). */
function openMetricsRegistry(): Registry {
  const registry = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  return registry as unknown as Registry;
}

/** A context whose active span is a remote one of `traceId`, sampled or not (no tracer needed). */
function inTrace(traceId: string, sampled: boolean): Context {
  return trace.setSpanContext(context.active(), {
    traceId,
    spanId: '00f067aa0ba902b7',
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}

/** The OpenMetrics lines of `name`'s buckets: `le` → the exemplar's trace id (undefined when none). */
async function bucketExemplars(registry: Registry, name: string): Promise<Map<string, string | undefined>> {
  const text = await registry.metrics();
  return new Map(
    [
      ...text.matchAll(
        new RegExp(`^${name}_bucket\\{le="([^"]+)"[^}]*\\} \\d+(?: # \\{trace_id="(\\w+)"\\} .*)?$`, 'gm'),
      ),
    ].map(([, le, traceId]) => [le, traceId]),
  );
}

const exporter = useInMemoryTracing({ propagation: true });

describe('TracedHistogram: latency samples link to their sampled trace through exemplars', () => {
  const registry = openMetricsRegistry();
  const histogram = new TracedHistogram<string>({
    name: 'work_seconds',
    help: 'test',
    labelNames: ['step', 'outcome'],
    buckets: [0.1, 1],
    registers: [registry],
  });
  const withExemplar = jest.spyOn(Histogram.prototype as any, 'observeWithExemplar');

  afterAll(() => withExemplar.mockRestore());
  beforeEach(() => {
    registry.resetMetrics();
    withExemplar.mockClear();
  });

  it('puts the trace id of the active sampled span on the bucket the sample fell in, in the OpenMetrics exposition', async () => {
    context.with(inTrace(SAMPLED_TRACE, true), () => histogram.observe({ step: 'charge' }, 0.05));
    const text = await registry.metrics();
    expect(text).toMatch(
      new RegExp(
        `^work_seconds_bucket\\{le="0.1",step="charge"\\} 1 # \\{trace_id="${SAMPLED_TRACE}"\\} 0.05 \\d+(\\.\\d+)?$`,
        'm',
      ),
    );
    expect(await bucketExemplars(registry, 'work_seconds')).toEqual(
      new Map([
        ['0.1', SAMPLED_TRACE],
        ['1', undefined],
        ['+Inf', undefined],
      ]),
    );
    // The counts are those of any histogram.
    expect(text).toMatch(/^work_seconds_count\{step="charge"\} 1$/m);
    expect(text).toMatch(/^work_seconds_sum\{step="charge"\} 0.05$/m);
  });

  it('keeps the latest sample of each bucket, above the last bound on +Inf', async () => {
    context.with(inTrace(SAMPLED_TRACE, true), () => histogram.observe({ step: 'charge' }, 0.5));
    context.with(inTrace(OTHER_TRACE, true), () => histogram.observe({ step: 'charge' }, 0.7));
    context.with(inTrace(SAMPLED_TRACE, true), () => histogram.observe({ step: 'charge' }, 5));
    expect(await bucketExemplars(registry, 'work_seconds')).toEqual(
      new Map([
        ['0.1', undefined],
        ['1', OTHER_TRACE],
        ['+Inf', SAMPLED_TRACE],
      ]),
    );
  });

  it('records no exemplar outside a trace, or inside one that is not sampled, and takes the path of a plain histogram', async () => {
    histogram.observe({ step: 'charge' }, 0.05);
    context.with(inTrace(UNSAMPLED_TRACE, false), () => {
      histogram.observe({ step: 'charge' }, 0.5);
      histogram.startTimer({ step: 'charge' })({ outcome: 'completed' });
    });
    expect(withExemplar).not.toHaveBeenCalled();
    const text = await registry.metrics();
    expect(text).not.toContain('trace_id');
    expect(text).toMatch(/^work_seconds_count\{step="charge"\} 2$/m);
    expect(text).toMatch(/^work_seconds_count\{step="charge",outcome="completed"\} 1$/m);
  });

  it('takes the trace active when a timer stops, and the labels of its start and stop', async () => {
    const stop = histogram.startTimer({ step: 'ship' });
    const seconds = context.with(inTrace(SAMPLED_TRACE, true), () => stop({ outcome: 'completed' }));
    expect(seconds).toBeGreaterThanOrEqual(0);
    const text = await registry.metrics();
    expect(text).toMatch(
      new RegExp(
        `^work_seconds_bucket\\{le="0.1",step="ship",outcome="completed"\\} 1 # \\{trace_id="${SAMPLED_TRACE}"\\}`,
        'm',
      ),
    );
  });

  it("takes a timer's exemplar labels as given: a span's trace, or none on purpose whatever trace is active", async () => {
    const sampledSpan = trace.getSpanContext(inTrace(SAMPLED_TRACE, true))!;
    const unsampledSpan = trace.getSpanContext(inTrace(UNSAMPLED_TRACE, false))!;
    expect(spanExemplar(unsampledSpan)).toBe(NO_EXEMPLAR);
    histogram.startTimer({ step: 'a' }, spanExemplar(sampledSpan))({ outcome: 'completed' });
    const stopUnsampled = histogram.startTimer({ step: 'b' }, spanExemplar(unsampledSpan));
    context.with(inTrace(OTHER_TRACE, true), () => stopUnsampled({ outcome: 'completed' }));
    expect(withExemplar).toHaveBeenCalledTimes(1); // `a` only
    const text = await registry.metrics();
    expect(text).toMatch(
      new RegExp(
        `^work_seconds_bucket\\{le="0.1",step="a",outcome="completed"\\} 1 # \\{trace_id="${SAMPLED_TRACE}"\\}`,
        'm',
      ),
    );
    expect(text).toMatch(/^work_seconds_bucket\{le="0.1",step="b",outcome="completed"\} 1$/m);
  });

  it("accepts prom-client's other forms: a value alone, and { labels, value, exemplarLabels }", async () => {
    const plain = new TracedHistogram({
      name: 'plain_seconds',
      help: 'test',
      buckets: [1],
      registers: [registry],
    });
    context.with(inTrace(SAMPLED_TRACE, true), () => plain.observe(0.5));
    plain.observe({ value: 2, exemplarLabels: { trace_id: OTHER_TRACE } });
    expect(await bucketExemplars(registry, 'plain_seconds')).toEqual(
      new Map([
        ['1', SAMPLED_TRACE],
        ['+Inf', OTHER_TRACE],
      ]),
    );
  });

  it('records no exemplars, and no error, in a registry of the classic text format', async () => {
    const classic = new Registry();
    const inClassic = new TracedHistogram({ name: 'classic_seconds', help: 'test', registers: [classic] });
    context.with(inTrace(SAMPLED_TRACE, true), () => {
      inClassic.observe(0.5);
      inClassic.startTimer()();
    });
    expect(withExemplar).not.toHaveBeenCalled();
    expect(await classic.metrics()).toMatch(/^classic_seconds_count 2$/m);
  });

  describe('labels(): a child bound to one label set', () => {
    it('puts the active sampled trace on its bucket, as observe(labels, value) does, first sample or not', async () => {
      const child = histogram.labels({ step: 'charge' });
      context.with(inTrace(SAMPLED_TRACE, true), () => child.observe(0.05)); // creates the series and exemplar
      context.with(inTrace(OTHER_TRACE, true), () => child.observe(0.5));
      context.with(inTrace(SAMPLED_TRACE, true), () => child.observe(0.7)); // updates the exemplar in place
      context.with(inTrace(OTHER_TRACE, true), () => child.observe(5));
      context.with(inTrace(UNSAMPLED_TRACE, false), () => child.observe(0.01));
      child.observe(3);
      expect(await bucketExemplars(registry, 'work_seconds')).toEqual(
        new Map([
          ['0.1', SAMPLED_TRACE],
          ['1', SAMPLED_TRACE],
          ['+Inf', OTHER_TRACE],
        ]),
      );
      const text = await registry.metrics();
      expect(text).toMatch(
        new RegExp(
          `^work_seconds_bucket\\{le="1",step="charge"\\} 4 # \\{trace_id="${SAMPLED_TRACE}"\\} 0.7 \\d`,
          'm',
        ),
      );
      expect(text).toMatch(/^work_seconds_count\{step="charge"\} 6$/m);
      expect(text).toMatch(/^work_seconds_sum\{step="charge"\} 9.26$/m);
    });

    it('counts what observe(labels, value) counts, in the same series', async () => {
      const child = histogram.labels('charge', 'completed');
      for (const value of [0.05, 0.1, 0.2, 2]) {
        child.observe(value);
        histogram.observe({ step: 'charge', outcome: 'completed' }, value);
      }
      const text = await registry.metrics();
      expect(text).toMatch(/^work_seconds_bucket\{le="0.1",step="charge",outcome="completed"\} 4$/m);
      expect(text).toMatch(/^work_seconds_bucket\{le="1",step="charge",outcome="completed"\} 6$/m);
      expect(text).toMatch(/^work_seconds_count\{step="charge",outcome="completed"\} 8$/m);
      expect(text).toMatch(/^work_seconds_sum\{step="charge",outcome="completed"\} 4.7$/m);
    });

    it('records outside a sampled trace without the exemplar path, and without hashing its labels again', () => {
      const child = histogram.labels({ step: 'charge' });
      child.observe(0.05); // creates the series
      const withoutExemplar = jest.spyOn(Histogram.prototype as any, 'observeWithoutExemplar');
      try {
        child.observe(0.5);
        context.with(inTrace(UNSAMPLED_TRACE, false), () => child.observe(0.5));
        expect(withoutExemplar).not.toHaveBeenCalled();
        expect(withExemplar).not.toHaveBeenCalled();
      } finally {
        withoutExemplar.mockRestore();
      }
    });

    it('takes the trace active when its timer stops, with the labels given then', async () => {
      const stop = histogram.labels({ step: 'ship' }).startTimer();
      context.with(inTrace(SAMPLED_TRACE, true), () => stop({ outcome: 'completed' }));
      expect(await registry.metrics()).toMatch(
        new RegExp(
          `^work_seconds_bucket\\{le="0.1",step="ship",outcome="completed"\\} 1 # \\{trace_id="${SAMPLED_TRACE}"\\}`,
          'm',
        ),
      );
    });

    it('records no exemplars in a registry of the classic text format', async () => {
      const classic = new Registry();
      const child = new TracedHistogram({
        name: 'classic_child_seconds',
        help: 'test',
        labelNames: ['step'],
        registers: [classic],
      }).labels({ step: 'a' });
      context.with(inTrace(SAMPLED_TRACE, true), () => {
        child.observe(0.5);
        child.observe(0.5);
      });
      expect(withExemplar).not.toHaveBeenCalled();
      expect(await classic.metrics()).toMatch(/^classic_child_seconds_count\{step="a"\} 2$/m);
    });
  });

  describe('traceExemplar', () => {
    it('is the trace id of the active span when sampled, undefined otherwise', () => {
      expect(traceExemplar()).toBeUndefined();
      expect(context.with(inTrace(SAMPLED_TRACE, true), traceExemplar)).toEqual({ trace_id: SAMPLED_TRACE });
      expect(context.with(inTrace(UNSAMPLED_TRACE, false), traceExemplar)).toBeUndefined();
      expect(context.with(inTrace('0'.repeat(32), true), traceExemplar)).toBeUndefined();
    });

    it('gives consecutive samples of one trace the same labels, allocated once', () => {
      const first = context.with(inTrace(SAMPLED_TRACE, true), traceExemplar);
      expect(context.with(inTrace(SAMPLED_TRACE, true), traceExemplar)).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
    });
  });
});

describe("makeHistogramProvider: a domain module's histograms link to traces in the process's registry", () => {
  beforeAll(() => useOpenMetricsRegistry());
  afterAll(() => register.clear());

  it('makes a TracedHistogram in the OpenMetrics registry, once per name', async () => {
    const provider = makeHistogramProvider({
      name: 'domain_step_seconds',
      help: 'test',
      labelNames: ['step'],
    }) as {
      useFactory: () => Histogram<string>;
    };
    const histogram = provider.useFactory();
    expect(histogram).toBeInstanceOf(TracedHistogram);
    expect(provider.useFactory()).toBe(histogram);
    context.with(inTrace(SAMPLED_TRACE, true), () => histogram.observe({ step: 'reserve' }, 0.02));
    expect(await register.metrics()).toMatch(
      new RegExp(
        `^domain_step_seconds_bucket\\{le="0.025",step="reserve"\\} 1 # \\{trace_id="${SAMPLED_TRACE}"\\}`,
        'm',
      ),
    );
  });
});

describe('OperationTelemetry: the duration of an operation links to the trace of its span', () => {
  const registry = openMetricsRegistry();
  const durations = new TracedHistogram({
    name: 'op_seconds',
    help: 'test',
    labelNames: ['op', 'outcome'],
    buckets: [1],
    registers: [registry],
  });
  const telemetry = new OperationTelemetry({ tracerName: 'test', durations });
  const deliver = (traceparent: string) =>
    telemetry.run(
      { span: 'deliver', parent: { traceparent }, durationLabels: { op: 'deliver' } },
      async () => undefined,
    );

  beforeEach(() => registry.resetMetrics());

  it("is the operation's own trace (a stored one it continues), not the trace of its caller", async () => {
    await context.with(inTrace(OTHER_TRACE, true), () => deliver(`00-${SAMPLED_TRACE}-00f067aa0ba902b7-01`));
    expect(exporter.getFinishedSpans().at(-1)!.spanContext().traceId).toBe(SAMPLED_TRACE);
    expect(await bucketExemplars(registry, 'op_seconds')).toEqual(
      new Map([
        ['1', SAMPLED_TRACE],
        ['+Inf', undefined],
      ]),
    );
  });

  it("is none when the operation's trace is not sampled, whatever trace its caller is in", async () => {
    await context.with(inTrace(OTHER_TRACE, true), () =>
      deliver(`00-${UNSAMPLED_TRACE}-00f067aa0ba902b7-00`),
    );
    const text = await registry.metrics();
    expect(text).toMatch(/^op_seconds_count\{op="deliver",outcome="completed"\} 1$/m);
    expect(text).not.toContain('trace_id');
  });
});

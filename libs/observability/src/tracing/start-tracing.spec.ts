import http from 'node:http';
import { context, logs, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace';
import { startTracing, traceSampling } from './start-tracing';

/** `OTEL_SDK_DISABLED=true` is the tracing switch of the observability benchmark: nothing may start. */
describe('startTracing with OTEL_SDK_DISABLED=true', () => {
  const httpRequest = http.request;

  it('starts no SDK: no tracer provider, no propagator, no context manager, no patched modules', () => {
    const tracing = startTracing(
      { serviceName: 'widgets', serviceVersion: '1.0.0', environment: 'test' },
      { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' },
    );
    expect(tracing).toMatchObject({
      enabled: false,
      exporting: false,
      resource: null,
      spanProcessor: null,
      followsParentSampling: false,
      recordsNothing: true,
    });

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

describe('traceSampling: what the sampler NodeSDK picks from OTEL_TRACES_SAMPLER does with a parent', () => {
  const FOLLOWS = { followsParentSampling: true, recordsNothing: false };
  const DECIDES = { followsParentSampling: false, recordsNothing: false };
  const NOTHING = { followsParentSampling: false, recordsNothing: true };
  const CASES: Array<[string | undefined, typeof FOLLOWS]> = [
    [undefined, FOLLOWS], // the SDK's default, parentbased_always_on
    ['', FOLLOWS],
    ['  ', FOLLOWS],
    ['parentbased_always_on', FOLLOWS],
    ['parentbased_always_off', FOLLOWS],
    ['parentbased_traceidratio', FOLLOWS],
    ['always_on', DECIDES],
    ['traceidratio', DECIDES],
    ['always_off', NOTHING],
    // Unknown names select the default (compared as they are: no trimming, no case folding).
    ['parentbased_jaeger_remote', FOLLOWS],
    ['ALWAYS_ON', FOLLOWS],
    [' always_on', FOLLOWS],
    ['xray', FOLLOWS],
  ];

  it.each(CASES)('OTEL_TRACES_SAMPLER=%p', (sampler, expected) => {
    expect(traceSampling(sampler === undefined ? {} : { OTEL_TRACES_SAMPLER: sampler })).toEqual(expected);
  });

  /** Whether NodeSDK, configured from `process.env` as `startTracing` leaves it, samples each kind of span. */
  async function sdkSamples(sampler: string | undefined) {
    const saved = { ...process.env };
    if (sampler === undefined) delete process.env.OTEL_TRACES_SAMPLER;
    else process.env.OTEL_TRACES_SAMPLER = sampler;
    process.env.OTEL_TRACES_SAMPLER_ARG = '1';
    delete process.env.OTEL_SDK_DISABLED;
    const sdk = new NodeSDK({
      autoDetectResources: false,
      spanProcessors: [new NoopSpanProcessor()],
      metricReaders: [],
      logRecordProcessors: [],
      instrumentations: [],
    });
    sdk.start();
    try {
      const tracer = trace.getTracer('conformance');
      const sampled = (parentFlags?: TraceFlags) => {
        const parent =
          parentFlags === undefined
            ? ROOT_CONTEXT
            : trace.setSpanContext(ROOT_CONTEXT, {
                traceId: '0af7651916cd43dd8448eb211c80319c',
                spanId: 'b7ad6b7169203331',
                traceFlags: parentFlags,
                isRemote: true,
              });
        const span = tracer.startSpan('probe', {}, parent);
        span.end();
        return (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
      };
      return {
        root: sampled(),
        childOfSampled: sampled(TraceFlags.SAMPLED),
        childOfUnsampled: sampled(TraceFlags.NONE),
      };
    } finally {
      await sdk.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      logs.disable();
      process.env = saved;
    }
  }

  it.each(CASES)(
    'OTEL_TRACES_SAMPLER=%p: matches what the SDK samples',
    async (sampler, { followsParentSampling, recordsNothing }) => {
      const samples = await sdkSamples(sampler);
      // What `OperationTelemetry` relies on to start no span under an unsampled parent.
      if (followsParentSampling || recordsNothing) expect(samples.childOfUnsampled).toBe(false);
      if (followsParentSampling) expect(samples.childOfSampled).toBe(true);
      if (recordsNothing)
        expect(samples).toEqual({ root: false, childOfSampled: false, childOfUnsampled: false });
      // The others sample a child of an unsampled parent (ratio 1 here): it must be started.
      if (!followsParentSampling && !recordsNothing) expect(samples.childOfUnsampled).toBe(true);
    },
  );
});

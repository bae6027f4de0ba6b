import { isMainThread } from 'node:worker_threads';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  NoopSpanProcessor,
  type BatchSpanProcessorOptions,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { CountingBatchSpanProcessor } from './counting-span.processor';
import { BATCH_SPAN_PROCESSOR_DEFAULTS, OTLP_TRACES_COMPRESSION } from './span-export.defaults';
import { processSpanExportStats, type SpanExportStats } from './span-export.stats';

/** The exporters' `compression` option: an enum of `@opentelemetry/otlp-exporter-base` (`'gzip' | 'none'`). */
type OtlpCompression = NonNullable<
  NonNullable<ConstructorParameters<typeof OTLPProtobufTraceExporter>[0]>['compression']
>;

/** `deployment.environment.name` (incubating semantic conventions, not exported under CommonJS resolution). */
const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = 'deployment.environment.name';
/** Paths whose requests get no server span by default: probes and scrapes would drown the traces. */
export const DEFAULT_IGNORED_PATHS: readonly string[] = ['/health/live', '/health/ready', '/metrics'];

export interface TracingOptions {
  serviceName: string;
  serviceVersion: string;
  environment: string;
  /** Requests to these paths get no server span (default `DEFAULT_IGNORED_PATHS`); compared without query. */
  ignoredPaths?: string[];
}

/**
 * What the configured sampler decides for a span that has a parent, known once tracing starts: whether a
 * span is worth starting at all (a child of an unsampled parent that the sampler would never sample is not).
 */
export interface TraceSampling {
  /**
   * Whether a span with a parent is sampled exactly when its parent is: `OTEL_TRACES_SAMPLER` unset, blank
   * or unknown (the SDK's default, `parentbased_always_on`), or any `parentbased_*` value. A child of an
   * unsampled parent is then never sampled. False for `always_on`, `always_off` and `traceidratio`, which
   * decide every span on their own, and with tracing off.
   */
  readonly followsParentSampling: boolean;
  /**
   * Whether no span is ever sampled: `OTEL_TRACES_SAMPLER=always_off`, or tracing off. A child of an
   * unsampled parent is then not sampled either (nor is any other span).
   */
  readonly recordsNothing: boolean;
}

export interface Tracing extends TraceSampling {
  /** Whether an SDK runs in this process (false when `OTEL_SDK_DISABLED=true` or off the main thread). */
  readonly enabled: boolean;
  /** Whether spans leave the process (an OTLP endpoint is configured). */
  readonly exporting: boolean;
  readonly resource: Resource | null;
  /** The exporting processor, for spans created elsewhere (Temporal's workflow sandbox). */
  readonly spanProcessor: SpanProcessor | null;
  /** What became of every sampled span: exported, dropped by reason, queued (`otel_spans_*` on `/metrics`). */
  readonly spanExport: SpanExportStats | null;
  /** Request paths (without query string) that get no HTTP server span: `TracingOptions.ignoredPaths`. */
  readonly ignoredPaths: ReadonlySet<string>;
  /** Flushes and stops; bounded, never rejects (an unreachable collector must not hang shutdown). */
  shutdown(timeoutMs?: number): Promise<void>;
}

let current: Tracing | undefined;

/** The tracing started in this process, if any. */
export function activeTracing(): Tracing | undefined {
  return current;
}

/**
 * OTLP over HTTP in the protocol the standard variables ask for: protobuf by default (the specification's
 * default, and about a third of JSON's size), JSON when `OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL=http/json`.
 * Bodies are gzipped unless `OTEL_EXPORTER_OTLP[_TRACES]_COMPRESSION=none`.
 */
export function traceExporter(env: NodeJS.ProcessEnv) {
  const protocol =
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  const requested = (env.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION ?? env.OTEL_EXPORTER_OTLP_COMPRESSION)?.trim();
  const compression = (requested === 'none' ? 'none' : OTLP_TRACES_COMPRESSION) as OtlpCompression;
  return protocol === 'http/json'
    ? new OTLPJsonTraceExporter({ compression })
    : new OTLPProtobufTraceExporter({ compression });
}

/**
 * The batch processor's limits from the standard `OTEL_BSP_*` variables, else this library's defaults
 * (`BATCH_SPAN_PROCESSOR_DEFAULTS`, sized for a busy service). SDK 3 reads the variables only for the
 * processor it builds itself; this one is built here because Temporal's workflow sink shares it.
 */
export function batchSpanProcessorOptions(
  exporter: SpanExporter,
  env: NodeJS.ProcessEnv,
): BatchSpanProcessorOptions {
  const number = (name: string) => {
    const value = Number(env[name]);
    return env[name]?.trim() && Number.isFinite(value) && value >= 0 ? value : undefined;
  };
  return {
    exporter,
    maxQueueSize: number('OTEL_BSP_MAX_QUEUE_SIZE') ?? BATCH_SPAN_PROCESSOR_DEFAULTS.maxQueueSize,
    maxExportBatchSize:
      number('OTEL_BSP_MAX_EXPORT_BATCH_SIZE') ?? BATCH_SPAN_PROCESSOR_DEFAULTS.maxExportBatchSize,
    scheduledDelayMillis:
      number('OTEL_BSP_SCHEDULE_DELAY') ?? BATCH_SPAN_PROCESSOR_DEFAULTS.scheduledDelayMillis,
    exportTimeoutMillis:
      number('OTEL_BSP_EXPORT_TIMEOUT') ?? BATCH_SPAN_PROCESSOR_DEFAULTS.exportTimeoutMillis,
  };
}

/**
 * The sampler `OTEL_TRACES_SAMPLER` selects, as NodeSDK reads it (`createSamplerFromEnv` in
 * `@opentelemetry/sdk-node`): a value that is unset or only whitespace selects the default; any other is
 * compared as it is (case and surrounding spaces included) with the six names of the specification, and
 * one that matches none selects the default too (with a diagnostic error). The default, the tracer
 * provider's own, is `parentbased_always_on`. `OTEL_TRACES_SAMPLER_ARG` (the ratio) changes nothing here.
 */
export function traceSampling(env: NodeJS.ProcessEnv): TraceSampling {
  switch (env.OTEL_TRACES_SAMPLER?.trim() ? env.OTEL_TRACES_SAMPLER : 'parentbased_always_on') {
    case 'always_on':
    case 'traceidratio':
      return { followsParentSampling: false, recordsNothing: false };
    case 'always_off':
      return { followsParentSampling: false, recordsNothing: true };
    default: // parentbased_always_on, parentbased_always_off, parentbased_traceidratio, unknown names
      return { followsParentSampling: true, recordsNothing: false };
  }
}

function exportsTraces(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_TRACES_EXPORTER === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

/**
 * Starts OpenTelemetry before the application loads, so outgoing HTTP requests are instrumented as `http`
 * is first required: a client span each, and the W3C trace context in their headers. The HTTP server span
 * comes from the Nest module's framework hooks (`HttpServerSpans`, which reads `ignoredPaths` here), the
 * handler spans from `HandlerSpanInterceptor`. Standard variables apply: `OTEL_TRACES_SAMPLER(_ARG)` (for
 * example `parentbased_traceidratio` + `0.1`), `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT`, `OTEL_BSP_*`,
 * `OTEL_PROPAGATORS` (W3C trace context and baggage by default), `OTEL_SDK_DISABLED`.
 * Without an endpoint, spans are still created — log lines and exemplars carry trace ids — but not exported.
 * `env` is the environment the SDK reads too: `process.env`, unless a test says otherwise.
 */
export function startTracing(options: TracingOptions, env: NodeJS.ProcessEnv = process.env): Tracing {
  // Worker threads (log transports, Temporal's workflow sandbox) inherit preload flags: trace the main thread only.
  if (current) return current;
  const ignoredPaths: ReadonlySet<string> = new Set(options.ignoredPaths ?? DEFAULT_IGNORED_PATHS);
  if (!isMainThread || env.OTEL_SDK_DISABLED === 'true') {
    return (current = {
      enabled: false,
      exporting: false,
      // No SDK: every span is the API's non-recording one.
      followsParentSampling: false,
      recordsNothing: true,
      resource: null,
      spanProcessor: null,
      spanExport: null,
      ignoredPaths,
      shutdown: async () => {},
    });
  }
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: options.serviceName,
    [ATTR_SERVICE_VERSION]: options.serviceVersion,
    [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: options.environment,
  });
  const exporting = exportsTraces(env);
  const spanProcessor = exporting
    ? new CountingBatchSpanProcessor(
        batchSpanProcessorOptions(traceExporter(env), env),
        processSpanExportStats,
      )
    : null;
  const sdk = new NodeSDK({
    resource,
    // No `sampler`: NodeSDK reads OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (parent-based ratio etc.),
    // as `traceSampling` does to tell what the sampler does with a span's parent.
    // With no exporter NodeSDK would register no tracer provider at all: keep one, so spans still exist
    // for context propagation, log correlation and exemplars.
    spanProcessors: [spanProcessor ?? new NoopSpanProcessor()],
    // Metrics go through Prometheus and logs through pino: no OTLP readers (they would also slow shutdown).
    metricReaders: [],
    logRecordProcessors: [],
    // Outgoing requests only. The instrumentation's server span starts at Node's request event, before
    // routing: it learns the route later, binds both emitters of every request to its context, and
    // computes its attributes before the sampler decides. `HttpServerSpans` starts it from the framework's
    // hooks once the route is known, and sets attributes on sampled spans only.
    instrumentations: [new HttpInstrumentation({ disableIncomingRequestInstrumentation: true })],
  });
  sdk.start();
  return (current = {
    enabled: true,
    exporting,
    ...traceSampling(env),
    resource,
    spanProcessor,
    spanExport: spanProcessor ? processSpanExportStats : null,
    ignoredPaths,
    shutdown: (timeoutMs = 3_000) =>
      Promise.race([
        sdk.shutdown().catch(() => undefined),
        new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
      ]),
  });
}

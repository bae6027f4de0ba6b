import { activeTracing } from '@app/observability/tracing';
import type { SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';

/** Activity spans (`RunActivity:<name>`) continue the workflow's trace; saga step spans nest inside them. */
export const tracingActivityInterceptors: ActivityInterceptorsFactory = (context) => ({
  inbound: new OpenTelemetryActivityInboundInterceptor(context),
  outbound: new OpenTelemetryActivityOutboundInterceptor(context),
});

/** A span serialised by the sandbox's OpenTelemetry 1.x SDK, as the sink hands it over. */
interface LegacySpanFields {
  instrumentationLibrary?: InstrumentationScope;
  instrumentationScope?: InstrumentationScope;
  /** 1.x: the parent's span id only. */
  parentSpanId?: string;
  /** 2.x and later: the parent's whole context; the OTLP exporters read only this one. */
  parentSpanContext?: SpanContext;
}

/**
 * Gives a span from the workflow sandbox the shape the SDK 3 exporters read. The sandbox serialises
 * spans in the OpenTelemetry 1.x shape: `instrumentationLibrary` instead of `instrumentationScope`, and
 * `parentSpanId` instead of `parentSpanContext`. Without the latter, the OTLP exporter sends the
 * workflow's spans (`RunWorkflow:…`, `StartActivity:…`) without a parent, and the trace of an order falls
 * apart into the API's part and one root per workflow span.
 */
export function toCurrentSpanShape(span: ReadableSpan): ReadableSpan {
  const legacy = span as unknown as LegacySpanFields;
  legacy.instrumentationScope ??= legacy.instrumentationLibrary;
  if (!legacy.parentSpanContext && legacy.parentSpanId) {
    // Same trace; sampled like the child (a parent-based sampler took the decision from it).
    const { traceId, traceFlags } = span.spanContext();
    legacy.parentSpanContext = { traceId, spanId: legacy.parentSpanId, traceFlags };
  }
  return span;
}

/**
 * Spans created inside the workflow sandbox are handed to this process's exporter through a sink; the
 * processor is wrapped to translate them from the sandbox's OpenTelemetry 1.x shape (`toCurrentSpanShape`).
 */
export function workflowTracingSinks(): InjectedSinks<Record<string, never>> {
  const tracing = activeTracing();
  // The bundled workflow interceptors always call the `exporter` sink: without an exporting processor
  // the spans are dropped here (an unregistered sink would be an error per workflow task).
  if (!tracing?.spanProcessor || !tracing.resource)
    return { exporter: { export: { fn: () => undefined } } } as unknown as InjectedSinks<
      Record<string, never>
    >;
  const exporting = tracing.spanProcessor;
  const translating: SpanProcessor = {
    onStart: () => undefined,
    onEnd: (span) => exporting.onEnd(toCurrentSpanShape(span)),
    forceFlush: () => exporting.forceFlush(),
    shutdown: () => exporting.shutdown(),
  };
  // The interceptors package (1.24, the current SDK) is typed against OpenTelemetry 1.x; the objects are
  // compatible at run time, which the live Temporal tracing test checks.
  // `typeof` names both overloads, the deprecated SpanExporter one included; the call takes the processor.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  type ExporterArgs = Parameters<typeof makeWorkflowExporter>;
  type LegacySpanProcessor = Extract<ExporterArgs[0], { onEnd: unknown }>;
  return {
    exporter: makeWorkflowExporter(
      translating as unknown as LegacySpanProcessor,
      tracing.resource as unknown as ExporterArgs[1],
    ),
  } as unknown as InjectedSinks<Record<string, never>>;
}

import { activeTracing } from '@app/observability/tracing';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
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

/**
 * Spans created inside the workflow sandbox are handed to this process's exporter through a sink.
 * The sandbox serialises spans in the OpenTelemetry 1.x shape (`instrumentationLibrary`); the 2.x
 * exporter reads `instrumentationScope`, so the processor is wrapped to translate.
 */
export function workflowTracingSinks(): InjectedSinks<Record<string, never>> | undefined {
  const tracing = activeTracing();
  if (!tracing?.spanProcessor || !tracing.resource) return undefined;
  const exporting = tracing.spanProcessor;
  const translating: SpanProcessor = {
    onStart: () => undefined,
    onEnd: (span) => {
      const legacy = span as unknown as { instrumentationScope?: unknown; instrumentationLibrary?: unknown };
      legacy.instrumentationScope ??= legacy.instrumentationLibrary;
      exporting.onEnd(span);
    },
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

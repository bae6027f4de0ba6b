/**
 * Secondary entry point `@app/observability/tracing`: OpenTelemetry only, nothing from Nest, so it can be
 * imported first in `main.ts` and instrument the modules the application requires after it.
 */
export { activeTracing, startTracing, traceSampling } from './start-tracing';
export type { TraceSampling, Tracing, TracingOptions } from './start-tracing';
export { CountingBatchSpanProcessor } from './counting-span.processor';
export { CountingSpanExporter } from './counting-span.exporter';
export { BATCH_SPAN_PROCESSOR_DEFAULTS } from './span-export.defaults';
export { SPAN_DROP_REASONS, SpanExportStats } from './span-export.stats';
export type { SpanDropReason } from './span-export.stats';

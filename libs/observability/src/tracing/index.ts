/**
 * Secondary entry point `@app/observability/tracing`: OpenTelemetry only, nothing from Nest, so it can be
 * imported first in `main.ts` and instrument the modules the application requires after it.
 */
export { activeTracing, startTracing } from './start-tracing';
export type { Tracing, TracingOptions } from './start-tracing';

export { DEBUG_VARS_PATH, DebugVars } from './debug/debug-vars';
export type { DebugVarsSection } from './debug/debug-vars';
export { EventLoopHealthIndicator } from './health/event-loop.health';
export { HealthController } from './health/health.controller';
export { LIVENESS_PATH, LivenessRoute } from './health/liveness.route';
export { ReadinessChecks } from './health/readiness-checks';
export type { ReadinessCheck } from './health/readiness-checks';
export { ShutdownState } from './health/shutdown-state';
export { closeOnSignals } from './lifecycle/close-on-signals';
export { shutdownGracefully } from './lifecycle/graceful-shutdown';
export type { Closable } from './lifecycle/close-on-signals';
export { AuditLog } from './logging/audit-log';
export type { AuditOutcome } from './logging/audit-log';
export { REDACTED } from './logging/log-redaction';
export { LogContext } from './logging/log-context.decorator';
export type { LogContextFields, LogContextRequest } from './logging/log-context.decorator';
export { LogContextInterceptor } from './logging/log-context.interceptor';
export { LogShipping } from './logging/log-shipping';
export { requestIdFrom } from './logging/request-id';
export type { LogStream } from './logging/log-shipping';
export {
  APP_INFO_METRIC,
  LOG_LINES_DROPPED_METRIC,
  LOG_SHIPPING_FAILURES_METRIC,
  HTTP_METRICS,
  SPAN_EXPORT_METRICS,
  UNMATCHED_ROUTE,
} from './metrics/metric-names';
export { HANDLER_OK, setHandlerOutcome } from './metrics/handler-outcome';
export { HandlerOutcomeInterceptor } from './metrics/handler-outcome.interceptor';
export { prefersOpenMetrics, renderMetrics } from './metrics/metrics-exposition';
export { MetricsServer } from './metrics/metrics.server';
export { traceExemplar } from './metrics/trace-exemplar';
export { removeSeries, seriesLabelValues } from './metrics/series-removal';
export { METRICS_ENABLED } from './observability.constants';
export { ObservabilityModule } from './observability.module';
export type { ObservabilityModuleExtras } from './observability.module-definition';
export {
  DEFAULT_LATENCY_BUCKETS,
  defaultFailureOutcome,
  OBSERVABILITY_DEFAULTS,
} from './observability.options';
export type {
  ElasticsearchLogOptions,
  HealthOptions,
  LoggingOptions,
  MetricsOptions,
  ObservabilityModuleOptions,
} from './observability.options';
export {
  getMetricToken,
  InjectMetric,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from './metrics/domain-metrics';
export type { Counter, Gauge, Histogram } from './metrics/domain-metrics';
export { StandaloneMetrics } from './metrics/standalone-metrics';
export {
  addActiveSpanEvent,
  annotateActiveSpan,
  isActiveSpanRecording,
  sampledTraceId,
} from './tracing/active-span';
export type { LazySpanAttributes, SpanAttributes } from './tracing/active-span';
export {
  currentTraceCarrier,
  OPERATION_COMPLETED,
  OPERATION_OUTCOME_LABEL,
  OperationTelemetry,
} from './operations/operation-telemetry';
export type { Operation, OperationInstruments, TraceCarrier } from './operations/operation-telemetry';
// A method's own span, declared on the method (nestjs-otel): for operations that are not on a hot path,
// such as a batch job's run, whose span names its inputs and, through `onResult`, what it did.
export { Span } from 'nestjs-otel';
// The Nest logger backed by the structured (pino) log this library configures: `app.useLogger(app.get(AppLogger))`.
export { Logger as AppLogger } from 'nestjs-pino';

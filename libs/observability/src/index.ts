export { EventLoopHealthIndicator } from './health/event-loop.health';
export { HealthController } from './health/health.controller';
export { ReadinessChecks } from './health/readiness-checks';
export type { ReadinessCheck } from './health/readiness-checks';
export { ShutdownState } from './health/shutdown-state';
export { closeOnSignals } from './lifecycle/close-on-signals';
export { shutdownGracefully } from './lifecycle/graceful-shutdown';
export type { Closable } from './lifecycle/close-on-signals';
export { NEST_LOG_LEVELS } from './logging/nest-log-levels';
export type { LogLevelName } from './logging/nest-log-levels';
export {
  APP_INFO_METRIC,
  DB_METRICS,
  HTTP_METRICS,
  UNMATCHED_ROUTE,
  WORKFLOW_METRICS,
} from './metrics/metric-names';
export { prefersOpenMetrics, renderMetrics } from './metrics/metrics-exposition';
export { MetricsServer } from './metrics/metrics.server';
export { traceExemplar } from './metrics/trace-exemplar';
export { workflowMetricProviders } from './metrics/workflow-metrics.providers';
export { ObservabilityModule } from './observability.module';
export type { ObservabilityModuleExtras } from './observability.module-definition';
export { DEFAULT_LATENCY_BUCKETS, OBSERVABILITY_DEFAULTS } from './observability.options';
export type { HealthOptions, MetricsOptions, ObservabilityModuleOptions } from './observability.options';

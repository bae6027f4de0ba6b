export { closeOnSignals } from './lifecycle/close-on-signals';
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
export type { MetricsOptions, ObservabilityModuleOptions } from './observability.options';

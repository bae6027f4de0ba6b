/** Names and label names of the metrics this library declares. Domain metrics live in each domain lib. */
export const HTTP_METRICS = {
  requests: 'http_requests_total',
  duration: 'http_request_duration_seconds',
  inFlight: 'http_requests_in_flight',
  labels: ['method', 'route', 'status_code'] as const,
  handlerOutcomes: 'http_handler_outcomes_total',
  handlerOutcomeLabels: ['handler', 'outcome'] as const,
} as const;

export const APP_INFO_METRIC = 'app_info';

/** Log lines that did not reach Elasticsearch, by kind (rejected, lost, dropped) and stream. */
export const LOG_SHIPPING_FAILURES_METRIC = 'log_shipping_failures_total';

/** Info, debug and trace lines left out by log sampling, by level. */
export const LOG_LINES_DROPPED_METRIC = 'log_lines_dropped_total';

/** Route label of every request that matched no route, so scanners cannot explode cardinality. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * What became of the sampled spans handed to the exporting processor (`SpanExportStats`): once its queue
 * is drained, ended = exported + dropped. Dropped by reason: queue_full, export_failed, shutdown.
 */
export const SPAN_EXPORT_METRICS = {
  ended: 'otel_spans_ended_total',
  exported: 'otel_spans_exported_total',
  dropped: 'otel_spans_dropped_total',
  exportFailures: 'otel_span_export_failures_total',
  exportSeconds: 'otel_span_export_seconds_total',
  queueSize: 'otel_span_queue_size',
  queueCapacity: 'otel_span_queue_capacity',
} as const;

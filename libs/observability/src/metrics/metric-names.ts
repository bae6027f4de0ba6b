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

/** Route label of every request that matched no route, so scanners cannot explode cardinality. */
export const UNMATCHED_ROUTE = 'unmatched';

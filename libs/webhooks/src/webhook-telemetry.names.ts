/**
 * Metric names, label names, span attribute keys and log fields of webhook delivery, declared once. Every
 * series is labelled by endpoint id, never by URL (a URL may carry a token, and is unbounded).
 */
export const WEBHOOK_METRICS = {
  /** Counter: events written to the outbox for the endpoint. */
  events: 'webhook_events_total',
  /** Gauge, read from the database at scrape: deliveries not yet delivered or dead (Pending). */
  pending: 'webhook_events_pending',
  /** Counter: delivery attempts by result: success (2xx), failure (another answer), error (no answer). */
  attempts: 'webhook_delivery_attempts_total',
  /** Counter: answers by status code, one per call that got an answer (Statuses). */
  responses: 'webhook_delivery_responses_total',
  /** Histogram: event creation → delivered, in seconds. */
  latency: 'webhook_delivery_latency_seconds',
  /** Gauge, read from the database at scrape: age of the oldest pending event (0 when none). */
  oldestPendingAge: 'webhook_oldest_pending_age_seconds',
  /** Counter: events given up (a 4xx other than 408/429, or older than the maximum age). */
  dead: 'webhook_events_dead_total',
  /** Histogram: duration of each delivery request, by outcome (completed, failure, error). */
  requestDuration: 'webhook_delivery_request_duration_seconds',
} as const;

export const WEBHOOK_LABELS = {
  endpoint: 'endpoint',
  result: 'result',
  code: 'code',
} as const;

/** `result` of `webhook_delivery_attempts_total`: Successes, Failures, Errors. */
export type AttemptResult = 'success' | 'failure' | 'error';

/** Seconds from an event's creation to its delivery: from sub-second to the default maximum age. */
export const WEBHOOK_LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30, 60, 300, 900, 3600, 21600, 86400];

/** Span and log attribute keys (ECS-style dotted names; the same keys on spans and log lines). */
export const WEBHOOK_ATTRIBUTES = {
  endpointId: 'webhook.endpoint_id',
  eventId: 'webhook.event_id',
  eventType: 'webhook.event_type',
  attempt: 'webhook.attempt',
  result: 'webhook.result',
  orderId: 'order.id',
  statusCode: 'http.response.status_code',
  method: 'http.request.method',
  serverAddress: 'server.address',
  serverPort: 'server.port',
} as const;

/** The delivery span (CLIENT), continuing the trace of the order change that caused the event. */
export const WEBHOOK_DELIVER_SPAN = 'webhook.deliver';
export const WEBHOOK_TRACER = 'orders-webhooks';

import { TOKEN_REJECTION_REASONS } from '@app/auth';
import { makeCounterProvider } from '@app/observability';

export const AUTH_METRICS = {
  /** Requests refused for their credentials, by reason (bounded: TOKEN_REJECTION_REASONS). */
  failures: 'auth_failures_total',
  /** Requests refused with 429, by limit. */
  rateLimited: 'rate_limited_requests_total',
  /** Requests served without their limit because its store (Redis) failed or did not answer in time. */
  rateLimitStoreErrors: 'rate_limit_store_errors_total',
} as const;

/** The only `limit` label value: POST /orders per customer. */
export const ORDER_PLACEMENT_LIMIT = 'order_placement';

export const authMetricProviders = [
  makeCounterProvider({
    name: AUTH_METRICS.failures,
    help: `Requests refused for their credentials (401, 403, 503), by reason: ${TOKEN_REJECTION_REASONS.join(', ')}`,
    labelNames: ['reason'],
  }),
  makeCounterProvider({
    name: AUTH_METRICS.rateLimited,
    help: 'Requests refused with 429 Too Many Requests, by limit (order_placement: POST /orders per customer)',
    labelNames: ['limit'],
  }),
  makeCounterProvider({
    name: AUTH_METRICS.rateLimitStoreErrors,
    help:
      'Requests served without their rate limit because its store (Redis) failed or did not answer in time, ' +
      'by limit (fail open)',
    labelNames: ['limit'],
  }),
];

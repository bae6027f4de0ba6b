import { TOKEN_REJECTION_REASONS } from '@app/auth';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';

export const AUTH_METRICS = {
  /** Requests refused for their credentials, by reason (bounded: TOKEN_REJECTION_REASONS). */
  failures: 'auth_failures_total',
  /** Requests refused with 429, by limit. */
  rateLimited: 'rate_limited_requests_total',
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
];

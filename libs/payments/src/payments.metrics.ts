import { makeCounterProvider } from '@app/observability';
import type { Provider } from '@nestjs/common';

export const PAYMENT_METRICS = {
  processed: 'payments_processed_total',
} as const;

export type PaymentOutcome = 'captured' | 'declined' | 'refunded' | 'provider_unavailable';

export const paymentMetricProviders: Provider[] = [
  makeCounterProvider({
    name: PAYMENT_METRICS.processed,
    help: 'Payment provider calls by outcome (captured, declined, refunded, provider_unavailable)',
    labelNames: ['status'],
  }),
];

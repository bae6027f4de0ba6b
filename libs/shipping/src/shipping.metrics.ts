import { makeHistogramProvider } from '@app/observability';
import type { Provider } from '@nestjs/common';

export const SHIPPING_METRICS = {
  arrangement: 'shipping_arrangement_seconds',
} as const;

export const shippingMetricProviders: Provider[] = [
  makeHistogramProvider({
    name: SHIPPING_METRICS.arrangement,
    help: 'Time to book a shipment with the carrier, in seconds, by outcome',
    labelNames: ['outcome'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  }),
];

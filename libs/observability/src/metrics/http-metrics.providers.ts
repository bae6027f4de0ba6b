import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Provider } from '@nestjs/common';
import { HTTP_METRICS } from './metric-names';

/** The HTTP golden signals: traffic and errors (counter), latency (histogram with exemplars), saturation. */
export function httpMetricProviders(latencyBuckets: number[]): Provider[] {
  return [
    makeCounterProvider({
      name: HTTP_METRICS.requests,
      help: 'HTTP requests answered, by method, route template and status code',
      labelNames: [...HTTP_METRICS.labels],
    }),
    makeHistogramProvider({
      name: HTTP_METRICS.duration,
      help: 'HTTP request duration in seconds, by method, route template and status code',
      labelNames: [...HTTP_METRICS.labels],
      buckets: latencyBuckets,
      enableExemplars: true,
    }),
    makeGaugeProvider({
      name: HTTP_METRICS.inFlight,
      help: 'HTTP requests being served right now',
      labelNames: ['method'],
    }),
  ];
}

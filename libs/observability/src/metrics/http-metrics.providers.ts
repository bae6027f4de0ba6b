import { getToken, makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Provider } from '@nestjs/common';
import { register } from 'prom-client';
import { RESOLVED_OPTIONS } from '../observability.constants';
import type { ResolvedObservabilityOptions } from '../observability.options';
import { HTTP_METRICS } from './metric-names';
import { TracedHistogram } from './traced-histogram';

/** The HTTP golden signals: traffic and errors (counter), latency (histogram with exemplars), saturation. */
export function httpMetricProviders(): Provider[] {
  return [
    makeCounterProvider({
      name: HTTP_METRICS.requests,
      help: 'HTTP requests answered, by method, route template and status code',
      labelNames: [...HTTP_METRICS.labels],
    }),
    {
      // Built from the resolved options, so `metrics.latencyBuckets` applies with forRoot and forRootAsync.
      provide: getToken(HTTP_METRICS.duration),
      inject: [RESOLVED_OPTIONS],
      useFactory: (options: ResolvedObservabilityOptions) =>
        register.getSingleMetric(HTTP_METRICS.duration) ??
        new TracedHistogram({
          name: HTTP_METRICS.duration,
          help: 'HTTP request duration in seconds, by method, route template and status code',
          labelNames: [...HTTP_METRICS.labels],
          buckets: [...options.metrics.latencyBuckets],
        }),
    },
    makeCounterProvider({
      name: HTTP_METRICS.handlerOutcomes,
      help: 'Controller handler runs, by handler (Controller.method) and domain outcome (OK, or what failed)',
      labelNames: [...HTTP_METRICS.handlerOutcomeLabels],
    }),
    makeGaugeProvider({
      name: HTTP_METRICS.inFlight,
      help: 'HTTP requests being served right now',
      labelNames: ['method'],
    }),
  ];
}

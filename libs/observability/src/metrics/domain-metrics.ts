/**
 * How a domain module declares and records its business metrics: declare each one as a provider in the
 * module's `<domain>.metrics.ts` (`makeCounterProvider({ name, help, labelNames })`), inject it where the
 * fact happens (`@InjectMetric(NAME) private readonly placed: Counter<'outcome'>`) and record it there.
 * The registry, exposition and exemplars are the library's business: domain code imports these from
 * `@app/observability`, never prom-client or the Prometheus module directly (checked by lint).
 *
 * A latency histogram (`makeHistogramProvider`) links its samples to their traces by itself: one recorded
 * inside a sampled trace carries the trace id as an exemplar (traced-histogram.ts).
 */
export {
  getToken as getMetricToken,
  InjectMetric,
  makeCounterProvider,
  makeGaugeProvider,
} from '@willsoto/nestjs-prometheus';
export { makeHistogramProvider } from './traced-histogram';
export type { Counter, Gauge, Histogram } from 'prom-client';

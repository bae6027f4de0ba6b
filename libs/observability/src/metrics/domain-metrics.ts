/**
 * How a domain module declares and records its business metrics: declare each one as a provider in the
 * module's `<domain>.metrics.ts` (`makeCounterProvider({ name, help, labelNames })`), inject it where the
 * fact happens (`@InjectMetric(NAME) private readonly placed: Counter<'outcome'>`) and record it there.
 * The registry, exposition and exemplars are the library's business: domain code imports these from
 * `@app/observability`, never prom-client or the Prometheus module directly (checked by lint).
 */
export {
  getToken as getMetricToken,
  InjectMetric,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
export type { Counter, Gauge, Histogram } from 'prom-client';

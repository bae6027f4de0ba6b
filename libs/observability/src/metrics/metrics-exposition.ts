import { register, Registry, type Metric, type MetricObjectWithValues, type MetricValue } from 'prom-client';

const OPENMETRICS = Registry.OPENMETRICS_CONTENT_TYPE;
const PROMETHEUS = Registry.PROMETHEUS_CONTENT_TYPE;

/** prom-client's formatter of one metric; public in its JavaScript, missing from its typings. */
interface MetricFormatter {
  getMetricsAsString(metric: {
    get(): Promise<MetricObjectWithValues<MetricValue<string>>>;
  }): Promise<string>;
}

type AnyRegistry = { contentType: string; setContentType(type: string): void };

/**
 * One registry, two expositions. Metrics live in prom-client's global registry switched to OpenMetrics
 * (exemplars need it); scrapers that do not ask for OpenMetrics get the classic text format rendered from
 * the same metrics, so `promtool check metrics` and older scrapers are served as well.
 */
export function useOpenMetricsRegistry(): void {
  const global = register as unknown as AnyRegistry;
  if (global.contentType !== OPENMETRICS) global.setContentType(OPENMETRICS);
}

/**
 * prom-client's default metrics include three gauges named `*_total`, which promtool rejects (only counters
 * may end in `_total`). They are sums of `nodejs_active_handles`, `…_requests` and `…_resources`.
 */
const MISNAMED_DEFAULT_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export function dropMisnamedDefaultMetrics(): void {
  for (const name of MISNAMED_DEFAULT_GAUGES) register.removeSingleMetric(name);
}

const prometheusView = new (Registry as unknown as new (type: string) => MetricFormatter)(PROMETHEUS);

export interface Exposition {
  contentType: string;
  body: string;
}

/** True when the scraper's Accept header ranks OpenMetrics at least as high as the text format. */
export function prefersOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  const offers = accept.split(',').map((part) => {
    const [type, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return { type: type.trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1 };
  });
  const quality = (type: string) => Math.max(0, ...offers.filter((o) => o.type === type).map((o) => o.q));
  const openMetrics = quality('application/openmetrics-text');
  return openMetrics > 0 && openMetrics >= quality('text/plain');
}

export async function renderMetrics(accept: string | undefined): Promise<Exposition> {
  if (prefersOpenMetrics(accept)) return { contentType: OPENMETRICS, body: await register.metrics() };
  const parts = await Promise.all(
    (register.getMetricsAsArray() as unknown as Metric[]).map((metric) =>
      prometheusView.getMetricsAsString(asPrometheus(metric)),
    ),
  );
  return { contentType: PROMETHEUS, body: `${parts.join('\n\n')}\n` };
}

/** Counters are named without `_total` in OpenMetrics; the classic format names them with it. */
function asPrometheus(metric: Metric) {
  const source = metric as Metric & {
    getForPromString?: () => Promise<MetricObjectWithValues<MetricValue<string>>>;
  };
  return {
    get: async () => {
      const value = await (source.getForPromString ? source.getForPromString() : metric.get());
      const isCounter = (value.type as unknown as string) === 'counter';
      return isCounter && !value.name.endsWith('_total') ? { ...value, name: `${value.name}_total` } : value;
    },
  };
}

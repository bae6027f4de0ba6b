import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DB_METRICS } from '@app/database';
import { HTTP_METRICS, ObservabilityModule, renderMetrics } from '@app/observability';
import { WORKFLOW_METRICS, workflowMetricProviders } from '@app/orders';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Gauge, Histogram, Registry, register, type Counter } from 'prom-client';

/**
 * The scrape target of the `/metrics` benchmark: the observability module as the API builds it (its
 * metrics server on PORT, default process metrics, the HTTP and workflow histograms with exemplars),
 * filled with realistic series up to SERIES in total. Over IPC it answers `ready` with the series count
 * and, when asked, times in-process renderings of the same metrics: prom-client's bare
 * `registry.metrics()` and the library's `renderMetrics()`, in each format.
 */
export type Rendering = 'bareText' | 'bareOpenMetrics' | 'libraryText' | 'libraryOpenMetrics';
export type TargetMessage =
  { type: 'ready'; series: number } | { type: 'timings'; ms: Record<Rendering, number[]> };
export type BenchMessage = { type: 'time'; iterations: number };

const OPENMETRICS_ACCEPT = 'application/openmetrics-text;version=1.0.0';
const SERIES = Number(process.env.SERIES ?? 10_000);
const RESOURCES = [
  'orders',
  'products',
  'customers',
  'payments',
  'shipments',
  'carts',
  'invoices',
  'refunds',
];
const ROUTE_SHAPES = ['', '/:id', '/:id/items', '/:id/history', '/:id/cancel', '/search'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const STATUSES = ['200', '201', '202', '204', '400', '401', '404', '409', '422', '429', '500', '503'];
const TABLES = [
  'orders',
  'order_lines',
  'order_status_history',
  'payments',
  'shipments',
  'products',
  'inventory_reservations',
];

@Module({
  imports: [
    ObservabilityModule.forRoot({
      serviceName: 'orders-api',
      serviceVersion: '0.1.0',
      environment: 'benchmark',
      metrics: { port: Number(process.env.PORT), host: '127.0.0.1' },
      logging: { level: 'silent' },
    }),
  ],
  // The workflow activity histogram, as the order modules declare it (exemplars included).
  providers: [...workflowMetricProviders],
})
class MetricsTargetModule {}

const traceId = () => randomBytes(16).toString('hex');
const latency = () => Math.random() ** 3 * 2; // mostly fast, a long tail, across all buckets

/** Sample lines (series) of the text exposition. */
async function countSeries(): Promise<number> {
  const text = await textRegistry().metrics();
  return text.split('\n').filter((line) => line && !line.startsWith('#')).length;
}

/** The same metric objects in a registry of prom-client's classic text format. */
function textRegistry(): Registry {
  const text = new Registry();
  for (const metric of register.getMetricsAsArray()) text.registerMetric(metric as never);
  return text;
}

async function populate(): Promise<void> {
  // Data layer and domain series, declared as libs/database and libs/inventory declare them.
  const queries = new Histogram({
    name: DB_METRICS.queryDuration,
    help: 'Duration of SQL statements in seconds, by operation, table and outcome',
    labelNames: [...DB_METRICS.queryLabels],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  for (const table of TABLES)
    for (const operation of ['SELECT', 'INSERT', 'UPDATE', 'DELETE'])
      for (const outcome of ['ok', 'error']) queries.observe({ operation, table, outcome }, latency() / 10);
  const stock = new Gauge({ name: 'inventory_level', help: 'Units in stock, by SKU', labelNames: ['sku'] });
  for (let sku = 1; sku <= 300; sku += 1) stock.set({ sku: `SKU-${String(sku).padStart(4, '0')}` }, sku * 7);
  const activities = register.getSingleMetric(WORKFLOW_METRICS.activityDuration) as Histogram<string>;
  for (const activity of [
    'reserveInventory',
    'chargePayment',
    'arrangeShipping',
    'completeOrder',
    'refundPayment',
  ])
    for (const outcome of ['completed', 'retryable', 'non_retryable'])
      activities.observe({ activity, outcome, engine: 'inline' }, latency());

  // The HTTP golden signals fill the rest: 15 series per (method, route, status) — 14 for the histogram.
  const requests = register.getSingleMetric(HTTP_METRICS.requests) as Counter<string>;
  const durations = register.getSingleMetric(HTTP_METRICS.duration) as Histogram<string>;
  let missing = SERIES - (await countSeries());
  outer: for (const status_code of STATUSES)
    for (const resource of RESOURCES)
      for (const shape of ROUTE_SHAPES)
        for (const method of METHODS) {
          if (missing <= 0) break outer;
          const labels = { method, route: `/${resource}${shape}`, status_code };
          requests.inc(labels, 3);
          for (let i = 0; i < 3; i += 1)
            durations.observe({ labels, value: latency(), exemplarLabels: { trace_id: traceId() } });
          missing -= 15;
        }
}

/** Each rendering `iterations` times, interleaved so that none is favoured by warm-up or drift. */
async function timeRenderings(iterations: number): Promise<Record<Rendering, number[]>> {
  const text = textRegistry();
  const renderings: Record<Rendering, () => Promise<unknown>> = {
    bareText: () => text.metrics(),
    bareOpenMetrics: () => register.metrics(),
    libraryText: () => renderMetrics(undefined),
    libraryOpenMetrics: () => renderMetrics(OPENMETRICS_ACCEPT),
  };
  const names = Object.keys(renderings) as Rendering[];
  const ms = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<Rendering, number[]>;
  for (let i = 0; i < iterations; i += 1) {
    for (const name of [...names.slice(i % names.length), ...names.slice(0, i % names.length)]) {
      const started = performance.now();
      await renderings[name]();
      ms[name].push(performance.now() - started);
    }
  }
  return ms;
}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(MetricsTargetModule, { logger: false });
  await app.init();
  await populate();
  const send = (message: TargetMessage) => process.send?.(message);
  process.on('message', (message: BenchMessage) => {
    if (message.type !== 'time') return;
    void timeRenderings(message.iterations).then((ms) => send({ type: 'timings', ms }));
  });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  send({ type: 'ready', series: await countSeries() });
}

void main();

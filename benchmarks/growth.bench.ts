import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { startApiProcess } from '../tooling/app-processes';
import { OPERATOR } from '../tooling/tokens';
import { createBenchDatabase } from './support/bench-database';
import { nextSizeVerdict } from './support/growth-budget';
import {
  BIG_CUSTOMERS,
  CATALOG_SKUS,
  GROWTH_FAILURE_REASONS,
  GrowthData,
  LARGEST_CUSTOMER,
} from './support/growth-data';
import { measurePurgeBatch } from './support/growth-purge';
import { startReconciliationJob } from './support/growth-reconciliation';
import { formatMs, sizeLabel, type GrowthReport, type SizeResult } from './support/growth-report';
import { freeBytesOfDataDirectory, storageOf } from './support/growth-storage';
import { latencyOf, timeGets, type SampleSettings, type Target } from './support/growth-timing';
import { startOtlpSink } from './support/otlp-sink';
import type { Log } from './support/report';
import { Teardown } from './support/teardown';

export { growthMarkdown } from './support/growth-report';
export type { GrowthReport } from './support/growth-report';

export interface GrowthOptions {
  /** A smoke run: 1,000 then 10,000 orders, few samples. */
  quick: boolean;
  /** The sizes to grow through, ascending. @default 10,000, 1,000,000, 10,000,000 (quick: 1,000, 10,000) */
  sizes?: number[];
}

export const DEFAULT_SIZES = [10_000, 1_000_000, 10_000_000];
export const QUICK_SIZES = [1_000, 10_000];
const SAMPLING: Record<'full' | 'quick', SampleSettings> = {
  // 1,000 timed requests: a p99 is then the 10th slowest answer, not the 2nd.
  full: { warmup: 50, samples: 1000, maxSeconds: 60, minSamples: 20 },
  quick: { warmup: 5, samples: 30, maxSeconds: 10, minSamples: 10 },
};
/** Prometheus' own `Accept` header. */
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const WEEK_MS = 7 * 86_400_000;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** Sessions writing batches at once: one per core, up to 4. */
const FILL_SESSIONS = Math.min(4, availableParallelism());

/** The calls measured at every size, in order. */
export const GROWTH_CALLS = {
  customerList: `GET /orders?limit=20 (${LARGEST_CUSTOMER}, 1 % of all orders)`,
  customerFailed: `GET /orders?limit=20&status=FAILED (${LARGEST_CUSTOMER})`,
  customerShipped: `GET /orders?limit=20&status=SHIPPED (${LARGEST_CUSTOMER}: a status it has few orders in)`,
  order: 'GET /orders/:id (orders from all over the table, each with its customer)',
  adminFailed: 'GET /admin/orders?status=FAILED',
  adminUnfinished: 'GET /admin/orders?status=PENDING&status=PAID',
  adminCustomer: 'GET /admin/orders?customerId= (200 customers in turn, big and small)',
  adminCreated: 'GET /admin/orders?createdFrom=&createdTo= (one week, 50 weeks of two years in turn)',
  adminSku: 'GET /admin/orders?sku= (the 200 products in turn)',
  adminReason: 'GET /admin/orders?failureReason= (each reason in turn)',
  stuck: 'GET /admin/orders/stuck',
  metrics: '/metrics scrape (management port, Prometheus Accept header)',
  ready: 'GET /health/ready',
  reconciliation: 'reconciliation run (the job: its query, then the stuck orders resumed)',
  purge: 'retention purge, one batch',
} as const;

/**
 * `10000,1000000` or `10k,1M`: ascending whole numbers of orders, at least 1,000. Throws naming what is
 * wrong.
 */
export function parseSizes(text: string): number[] {
  const sizes = text.split(',').map((part) => {
    const match = /^\s*(\d+(?:_\d+)*(?:\.\d+)?)\s*([kKmM]?)\s*$/.exec(part);
    const value = match
      ? Number(match[1].replaceAll('_', '')) *
        { '': 1, k: 1e3, m: 1e6 }[match[2].toLowerCase() as '' | 'k' | 'm']
      : Number.NaN;
    if (!Number.isInteger(value) || value < 1_000)
      throw new Error(
        `--sizes takes whole numbers of orders of at least 1000, like 10000 or 1M (got "${part}")`,
      );
    return value;
  });
  if (sizes.some((size, i) => i > 0 && size <= sizes[i - 1]))
    throw new Error(`--sizes grows one database step by step: give them in ascending order (got ${text})`);
  return sizes;
}

/**
 * The latency of the API's reads, the operators' searches, the probes, a `/metrics` scrape and the batch
 * jobs as one database grows from 10,000 to 10,000,000 orders (`npm run bench -- --only growth`). The
 * orders are written in SQL (`support/growth-data.ts`); at each size the one API, started once with
 * production's observability (metrics served, every request traced and exported, `info` logs), answers
 * each call in turn, one request at a time, and the reconciliation job runs once. A size whose filling
 * would exceed the budget (`support/growth-budget.ts`), estimated from the step before, is not filled.
 */
export async function growth(options: GrowthOptions, log: Log): Promise<GrowthReport> {
  const sizes = options.sizes ?? (options.quick ? QUICK_SIZES : DEFAULT_SIZES);
  const sampling = SAMPLING[options.quick ? 'quick' : 'full'];
  const unfinished = Math.min(1_000, Math.floor(sizes[0] / 10));
  const stuck = Math.max(1, Math.round(unfinished / 20));
  const teardown = new Teardown();
  // Ctrl-C: the signal's handler releases everything, then exits; a fill statement or a request cut short
  // by that is no failure to report (and reporting it would exit before the database is dropped).
  let stopping = false;
  const onSignal = () => (stopping = true);
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    const db = await createBenchDatabase('bench_growth', teardown);
    const sink = await startOtlpSink(teardown);
    const receiver = await startWebhookReceiver(teardown);
    const jobEnv = {
      DATABASE_URL: db.url,
      OTEL_SERVICE_NAME: 'orders-jobs-bench-growth',
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      LOG_LEVEL: 'info',
      PAYMENT_SIM_LATENCY_MS: '0',
      CARRIER_SIM_LATENCY_MS: '0',
    };
    log('starting the API (metrics served, every request traced, info logs) and the reconciliation job…');
    const [api, job] = await Promise.all([
      startApiProcess(
        { DATABASE_URL: db.url, WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' },
        {
          profile: {
            kind: 'benchmark',
            name: 'growth',
            observability: { kind: 'on', otlpEndpoint: sink.endpoint },
          },
          teardown,
        },
      ),
      startReconciliationJob(jobEnv, teardown),
    ]);
    const data = await GrowthData.open(
      db,
      { unfinished, stuck, webhookUrl: receiver.url, sessions: FILL_SESSIONS },
      teardown,
    );
    const operator = await api.tokens.headers(OPERATOR);
    const customer = await api.tokens.headers(LARGEST_CUSTOMER);

    const report: GrowthReport = {
      settings: {
        sizes: sizes.map(sizeLabel).join(', '),
        'requests per call': `${sampling.warmup} warm-up, then ${sampling.samples} timed (or as many as ${sampling.maxSeconds} s allow, at least ${sampling.minSamples}), one at a time`,
        'unfinished orders': `${unfinished} (${stuck} stuck)`,
        'reconciliation job start-up': `${Math.round(job.bootMs)} ms (once, not in the figures)`,
      },
      calls: Object.values(GROWTH_CALLS),
      sizes: [],
      notes: [],
    };
    let fillSeconds = 0;
    for (const size of sizes) {
      const last = report.sizes.at(-1);
      if (last) {
        const verdict = nextSizeVerdict(size, {
          orders: data.size,
          seconds: fillSeconds,
          lastStep: { added: last.fill.added, seconds: last.fill.insertS + last.fill.vacuumAnalyzeS },
          databaseBytes: last.storage.databaseBytes,
          freeBytes: await freeBytesOfDataDirectory(db),
        });
        if (!verdict.fits) {
          report.stopped = { size, reason: verdict.reason };
          log(`not growing to ${size.toLocaleString('en-US')} orders: ${verdict.reason}`);
          break;
        }
        log(
          `growing to ${size.toLocaleString('en-US')} orders: about ${Math.round(verdict.estimateS)} s and ` +
            `${(verdict.estimateBytes / 1e9).toFixed(1)} GB, estimated from the last step`,
        );
      } else log(`filling ${size.toLocaleString('en-US')} orders…`);
      const fill = await data.growTo(size, log);
      fillSeconds += fill.insertS + fill.vacuumAnalyzeS;
      log(
        `${size.toLocaleString('en-US')} orders: inserted in ${fill.insertS.toFixed(1)} s, ` +
          `VACUUM ANALYZE ${fill.vacuumAnalyzeS.toFixed(1)} s`,
      );
      const result: SizeResult = {
        orders: size,
        fill,
        storage: await storageOf(db),
        unfinished: { inFlight: 0, stuck: 0 },
        calls: {},
        notes: [],
      };
      report.sizes.push(result);
      await measureSize(result);
    }
    report.notes.push(
      `webhook deliveries the API made to the receiver during the run: ${receiver.received()} ` +
        '(the events of the orders reconciliation finished)',
    );
    return report;

    async function measureSize(result: SizeResult): Promise<void> {
      await data.refreshInFlight();
      result.unfinished = await data.unfinishedCounts();
      const orders = await data.sampleOrders(sampling.samples);
      const measure = async (name: string, targets: Target[]) => {
        const latency = latencyOf(await timeGets(targets, sampling));
        result.calls[name] = latency;
        log(
          `  ${name}: p50 ${formatMs(latency.p50)} ms, p99 ${formatMs(latency.p99)} ms (${latency.samples} requests)`,
        );
      };
      const get = (path: string, headers: Record<string, string> = operator): Target => ({
        url: `${api.baseUrl}${path}`,
        headers,
      });
      await measure(GROWTH_CALLS.customerList, [get('/orders?limit=20', customer)]);
      await measure(GROWTH_CALLS.customerFailed, [get('/orders?limit=20&status=FAILED', customer)]);
      await measure(GROWTH_CALLS.customerShipped, [get('/orders?limit=20&status=SHIPPED', customer)]);
      await measure(
        GROWTH_CALLS.order,
        await Promise.all(
          orders.map(async (order) => get(`/orders/${order.id}`, await api.tokens.headers(order.customerId))),
        ),
      );
      await measure(GROWTH_CALLS.adminFailed, [get('/admin/orders?status=FAILED')]);
      await measure(GROWTH_CALLS.adminUnfinished, [get('/admin/orders?status=PENDING&status=PAID')]);
      const customers = [
        ...Array.from({ length: BIG_CUSTOMERS }, (_, i) => `c-${i + 1}`),
        ...orders.map((order) => order.customerId).filter((id) => Number(id.slice(2)) > BIG_CUSTOMERS),
      ].slice(0, 2 * BIG_CUSTOMERS);
      await measure(
        GROWTH_CALLS.adminCustomer,
        customers.map((id) => get(`/admin/orders?customerId=${id}`)),
      );
      const now = Date.now();
      await measure(
        GROWTH_CALLS.adminCreated,
        Array.from({ length: 50 }, (_, i) => {
          const to = now - i * 2 * WEEK_MS;
          const from = new Date(to - WEEK_MS).toISOString();
          return get(`/admin/orders?createdFrom=${from}&createdTo=${new Date(to).toISOString()}`);
        }),
      );
      await measure(
        GROWTH_CALLS.adminSku,
        CATALOG_SKUS.map((sku) => get(`/admin/orders?sku=${sku}`)),
      );
      await measure(
        GROWTH_CALLS.adminReason,
        GROWTH_FAILURE_REASONS.map((reason) => get(`/admin/orders?failureReason=${reason}`)),
      );
      await data.refreshInFlight();
      await measure(GROWTH_CALLS.stuck, [get('/admin/orders/stuck')]);
      const listed = await stuckOrders(get('/admin/orders/stuck'));
      if (listed !== stuck)
        result.notes.push(`GET /admin/orders/stuck listed ${listed} orders, not ${stuck}`);
      await measure(GROWTH_CALLS.metrics, [{ url: api.metricsUrl, headers: { accept: PROMETHEUS_ACCEPT } }]);
      const exposition = await (
        await fetch(api.metricsUrl, { headers: { accept: PROMETHEUS_ACCEPT } })
      ).text();
      if (!/^orders_by_status\{/m.test(exposition))
        result.notes.push('the scrape held no orders_by_status series: the database gauges were not read');
      await measure(GROWTH_CALLS.ready, [get('/health/ready', {})]);

      await data.refreshInFlight();
      const run = await job.run();
      result.calls[GROWTH_CALLS.reconciliation] = { p50: run.ms, p99: run.ms, samples: 1 };
      result.notes.push(
        `reconciliation: one run, ${run.examined} orders examined, ${run.resolved} resolved, ${run.unresolved} unresolved`,
      );
      log(`  ${GROWTH_CALLS.reconciliation}: ${formatMs(run.ms)} ms (${run.examined} orders examined)`);

      const purge = await measurePurgeBatch({ db, orders: data.size, jobEnv });
      if (purge.available) {
        result.calls[GROWTH_CALLS.purge] = latencyOf(purge.samplesMs);
        const { hit, read } = purge.buffersPerBatch;
        result.notes.push(
          `purge: ${purge.deletedPerBatch} rows per batch; buffers of the two tables per batch: ` +
            `${Math.round(hit).toLocaleString('en-US')} found in shared buffers, ` +
            `${Math.round(read).toLocaleString('en-US')} read`,
        );
      } else {
        result.calls[GROWTH_CALLS.purge] = { unavailable: 'no full batch' };
        if (!report.notes.some((note) => note.startsWith('purge:')))
          report.notes.push(`purge: ${purge.reason}`);
      }
    }
  } catch (error) {
    if (stopping) await new Promise(() => undefined);
    throw error;
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    await teardown.close();
  }
}

async function stuckOrders(target: Target): Promise<number> {
  const response = await fetch(target.url, { headers: target.headers });
  return ((await response.json()) as { items: unknown[] }).items.length;
}

/** A webhook receiver answering 204 to every delivery, counting them. */
async function startWebhookReceiver(teardown: Teardown): Promise<{ url: string; received(): number }> {
  let received = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received += 1;
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  teardown.defer('close the webhook receiver', () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`,
    received: () => received,
  };
}

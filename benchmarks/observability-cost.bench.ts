import { startApi, type ApiProcess } from './support/api-process';
import { createBenchDatabase } from './support/bench-database';
import { cyclingGets, cyclingJsonPosts, runLoad, type LoadResult } from './support/load';
import { fillStock, orderBodies, placeOrders, waitForSagas } from './support/orders';
import { startOtlpSink } from './support/otlp-sink';
import { isListening } from './support/ports';
import type { BenchResult, Figure, Log, Ratio, RunSettings } from './support/report';
import { median } from './support/stats';
import { Teardown } from './support/teardown';
import type autocannon from 'autocannon';

const CONNECTIONS = 16;
/** What Prometheus sends: OpenMetrics first (exemplars), the text format as a fallback. */
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

interface Variant {
  name: 'on' | 'off';
  api: ApiProcess;
}

interface Endpoint {
  name: string;
  requests: autocannon.Request[];
  /** POSTs start sagas that outlive the run: they finish before the next run starts. */
  startsSagas: boolean;
}

/** Scrapes `/metrics` once a second, as Prometheus would, while the observed API is under load. */
class Scraper {
  private timer?: NodeJS.Timeout;
  scrapes = 0;
  failures = 0;

  constructor(private readonly url: string) {}

  start(): void {
    this.timer = setInterval(() => {
      fetch(this.url, { headers: { accept: PROMETHEUS_ACCEPT } })
        .then(async (response) => {
          await response.arrayBuffer();
          if (response.status === 200) this.scrapes += 1;
          else this.failures += 1;
        })
        .catch(() => (this.failures += 1));
    }, 1_000);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * a. The cost of full observability: the same API with metrics (scraped every second), 100 % tracing
 * exported over OTLP/HTTP and `info` logs written to a file, against the same API with all three off.
 * On and off run side by side on one database and take turns under load, round after round.
 */
export async function observabilityCost(settings: RunSettings, log: Log): Promise<BenchResult> {
  const teardown = new Teardown();
  try {
    const db = await createBenchDatabase('bench_obs', teardown);
    const sink = await startOtlpSink(teardown);
    log('starting the API twice (observability on, then off; same database)…');
    const on: Variant = {
      name: 'on',
      api: await startApi(
        { name: 'obs-on', databaseUrl: db.url, observability: { kind: 'on', otlpEndpoint: sink.endpoint } },
        teardown,
      ),
    };
    const off: Variant = {
      name: 'off',
      api: await startApi({ name: 'obs-off', databaseUrl: db.url, observability: { kind: 'off' } }, teardown),
    };
    await checkVariants(on, off);
    const notes = [`off: nothing listens on its METRICS_PORT; on: /metrics answers 200`];
    await fillStock(db);
    const ids = await placeOrders(on.api.baseUrl, settings.quick ? 100 : 500);
    await waitForSagas(db);
    log(`placed ${ids.length} orders to read back`);

    const scraper = new Scraper(on.api.metricsUrl);
    const endpoints: Endpoint[] = [
      {
        name: 'GET /orders/:id',
        requests: cyclingGets(ids.map((id) => `/orders/${id}`)),
        startsSagas: false,
      },
      { name: 'POST /orders', requests: cyclingJsonPosts('/orders', orderBodies(2_000)), startsSagas: true },
    ];
    const ratios: Ratio[] = [];
    const figures: Figure[] = [];
    const rounds: unknown[] = [];
    const spent = { requests: 0, logBytes: 0, otlpBytesBefore: sink.received().bytes };
    for (const endpoint of endpoints) {
      const run = async (variant: Variant, durationS: number): Promise<LoadResult> => {
        const logBefore = variant.api.logBytes();
        if (variant.name === 'on') scraper.start();
        const result = await runLoad({
          url: variant.api.baseUrl,
          connections: CONNECTIONS,
          durationS,
          requests: endpoint.requests,
        });
        scraper.stop();
        if (endpoint.startsSagas) await waitForSagas(db);
        if (variant.name === 'on') {
          spent.requests += result.ok + result.non2xx;
          spent.logBytes += variant.api.logBytes() - logBefore;
        }
        if (result.non2xx + result.errors > 0)
          notes.push(
            `${endpoint.name} (${variant.name}): ${result.non2xx} non-2xx answers, ${result.errors} errors`,
          );
        return result;
      };
      for (const variant of [on, off]) await run(variant, settings.warmupS);
      const samples: Record<Variant['name'], LoadResult[]> = { on: [], off: [] };
      for (let round = 0; round < settings.rounds; round += 1) {
        for (const variant of round % 2 === 0 ? [on, off] : [off, on]) {
          const result = await run(variant, settings.roundS);
          samples[variant.name].push(result);
          rounds.push({ endpoint: endpoint.name, round: round + 1, variant: variant.name, ...result });
          log(
            `${endpoint.name} round ${round + 1}/${settings.rounds} ${variant.name.padEnd(3)}: ` +
              `${result.rps.toFixed(0)} req/s, p99 ${result.p99} ms`,
          );
        }
      }
      const rps = (name: Variant['name']) => median(samples[name].map((s) => s.rps));
      const p99 = (name: Variant['name']) => median(samples[name].map((s) => s.p99));
      ratios.push({
        name: `${endpoint.name}: throughput on/off`,
        value: rps('on') / rps('off'),
        goal: '≥ 0.90',
      });
      figures.push(
        { name: `${endpoint.name}: throughput on`, value: rps('on'), unit: 'req/s' },
        { name: `${endpoint.name}: throughput off`, value: rps('off'), unit: 'req/s' },
        { name: `${endpoint.name}: p99 on`, value: p99('on'), unit: 'ms' },
        { name: `${endpoint.name}: p99 off`, value: p99('off'), unit: 'ms' },
        { name: `${endpoint.name}: p99 on − off`, value: p99('on') - p99('off'), unit: 'ms' },
      );
    }
    const exported = sink.received();
    figures.push(
      {
        name: 'logs written per request (on)',
        value: spent.logBytes / Math.max(1, spent.requests),
        unit: 'bytes',
      },
      {
        name: 'OTLP bytes exported per request (on)',
        value: (exported.bytes - spent.otlpBytesBefore) / Math.max(1, spent.requests),
        unit: 'bytes',
      },
      {
        name: '/metrics scrapes during the runs (on)',
        value: scraper.scrapes,
        unit: `(${scraper.failures} failed)`,
      },
    );
    return {
      id: 'a',
      title: 'Observability cost',
      settings: {
        connections: CONNECTIONS,
        'warm-up': `${settings.warmupS} s`,
        rounds: `${settings.rounds} × ${settings.roundS} s per variant and route`,
      },
      ratios,
      figures,
      notes,
      rounds,
    };
  } finally {
    await teardown.close();
  }
}

/** Proves each variant is what it claims before measuring it. */
async function checkVariants(on: Variant, off: Variant): Promise<void> {
  const scrape = await fetch(on.api.metricsUrl, { headers: { accept: PROMETHEUS_ACCEPT } });
  if (scrape.status !== 200) throw new Error(`observability on: /metrics answered ${scrape.status}`);
  await scrape.arrayBuffer();
  if (await isListening(off.api.metricsPort))
    throw new Error(`observability off: something listens on its METRICS_PORT ${off.api.metricsPort}`);
}

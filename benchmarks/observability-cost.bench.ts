import type { Observability } from '../tooling/app-env';
import { startApiProcess, type MeasuredApiProcess } from '../tooling/app-processes';
import { isListening } from '../tooling/free-port';
import { createSigningKey } from '../tooling/tokens';
import { createBenchDatabase } from './support/bench-database';
import { cyclingGets, cyclingJsonPosts, runLoad, type LoadResult } from './support/load';
import { fillStock, orderRequests, placeOrders, waitForSagas } from './support/orders';
import { startOtlpSink, type OtlpSink } from './support/otlp-sink';
import type { BenchResult, Figure, Log, Ratio, RunSettings } from './support/report';
import { processCpuSeconds } from './support/process-cpu';
import {
  drainedSpanCounts,
  spanDelta,
  spanFigures,
  SpanTally,
  type SpanCounts,
} from './support/span-accounting';
import { median } from './support/stats';
import { Teardown } from './support/teardown';
import type autocannon from 'autocannon';

const CONNECTIONS = 16;
/** What Prometheus sends: OpenMetrics first (exemplars), the text format as a fallback. */
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** Full observability, the same with 10 % of traces sampled (a usual production setting), and none. */
type VariantName = 'on' | 'sampled' | 'off';

interface Variant {
  name: VariantName;
  api: MeasuredApiProcess;
  /** The collector stand-in this variant exports to (one each, so received spans are told apart). */
  sink?: OtlpSink;
}

/** One run of one variant; `spans` for the traced variants, once their queue has drained. */
type RunResult = LoadResult & { cpuUs: number; spans?: SpanCounts };

/** Parent-based: a sampled caller is always followed; new traces are kept at this ratio. */
const PRODUCTION_SAMPLING = {
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: '0.1',
};

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

  start(url: string): void {
    this.timer = setInterval(() => {
      fetch(url, { headers: { accept: PROMETHEUS_ACCEPT } })
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
    const [sinkOn, sinkSampled] = [await startOtlpSink(teardown), await startOtlpSink(teardown)];
    const { keyFile, tokens } = await createSigningKey(teardown);
    const startApi = (name: string, observability: Observability, env: Record<string, string> = {}) =>
      startApiProcess(
        { DATABASE_URL: db.url, AUTH_LOCAL_KEY_FILE: keyFile, ...env },
        { profile: { kind: 'benchmark', name, observability }, teardown },
      );
    log('starting the API three times (observability on, on with 10 % sampling, off; same database)…');
    const on: Variant = {
      name: 'on',
      sink: sinkOn,
      api: await startApi('obs-on', { kind: 'on', otlpEndpoint: sinkOn.endpoint }),
    };
    const sampled: Variant = {
      name: 'sampled',
      sink: sinkSampled,
      api: await startApi(
        'obs-sampled',
        { kind: 'on', otlpEndpoint: sinkSampled.endpoint },
        PRODUCTION_SAMPLING,
      ),
    };
    const off: Variant = {
      name: 'off',
      api: await startApi('obs-off', { kind: 'off' }),
    };
    await checkVariants(on, off);
    const notes = [`off: nothing listens on its METRICS_PORT; on: /metrics answers 200`];
    await fillStock(db);
    const placed = await placeOrders(on.api.baseUrl, settings.quick ? 100 : 500, tokens);
    await waitForSagas(db);
    log(`placed ${placed.length} orders to read back, each by its own customer`);

    const scraper = new Scraper();
    const endpoints: Endpoint[] = [
      {
        name: 'GET /orders/:id',
        requests: cyclingGets(placed),
        startsSagas: false,
      },
      {
        name: 'POST /orders',
        requests: cyclingJsonPosts('/orders', await orderRequests(2_000, tokens)),
        startsSagas: true,
      },
    ];
    const ratios: Ratio[] = [];
    const figures: Figure[] = [];
    const rounds: unknown[] = [];
    const spent = { requests: 0, logBytes: 0, otlpBytes: 0 };
    const spans = new SpanTally();
    for (const endpoint of endpoints) {
      const run = async (variant: Variant, durationS: number, measured = false): Promise<RunResult> => {
        const logBefore = variant.api.logBytes();
        const otlpBefore = sinkOn.received().bytes;
        // Drained after the previous run: one scrape.
        const spansBefore = variant.sink && (await drainedSpanCounts(variant.api.metricsUrl, variant.sink));
        const cpuBefore = processCpuSeconds(variant.api.child.pid);
        if (variant.name !== 'off') scraper.start(variant.api.metricsUrl);
        const result = await runLoad({
          url: variant.api.baseUrl,
          connections: CONNECTIONS,
          durationS,
          requests: endpoint.requests,
        });
        scraper.stop();
        const cpuAfter = processCpuSeconds(variant.api.child.pid);
        const answered = Math.max(1, result.ok + result.non2xx);
        // CPU of the API process per answered request, sagas started by the run excluded (they finish after).
        const cpuUs =
          cpuBefore === null || cpuAfter === null ? NaN : ((cpuAfter - cpuBefore) * 1e6) / answered;
        if (endpoint.startsSagas) await waitForSagas(db);
        let counts: SpanCounts | undefined;
        if (variant.sink && spansBefore && variant.name !== 'off') {
          // Every span of the run (sagas included) exported or counted as dropped before the next run starts.
          counts = spanDelta(await drainedSpanCounts(variant.api.metricsUrl, variant.sink), spansBefore);
          spans.observe(
            variant.name,
            endpoint.name,
            counts,
            answered,
            measured ? result.durationS : undefined,
          );
        }
        if (variant.name === 'on') {
          spent.requests += result.ok + result.non2xx;
          spent.logBytes += variant.api.logBytes() - logBefore;
          spent.otlpBytes += sinkOn.received().bytes - otlpBefore;
        }
        if (result.non2xx + result.errors > 0)
          notes.push(
            `${endpoint.name} (${variant.name}): ${result.non2xx} non-2xx answers, ${result.errors} errors`,
          );
        return { ...result, cpuUs, spans: counts };
      };
      const variants = [on, sampled, off];
      for (const variant of variants) await run(variant, settings.warmupS);
      const samples: Record<VariantName, RunResult[]> = {
        on: [],
        sampled: [],
        off: [],
      };
      for (let round = 0; round < settings.rounds; round += 1) {
        // Each round in a different order, so no variant always runs first or last.
        for (const variant of variants.map((_, i) => variants[(i + round) % variants.length])) {
          const result = await run(variant, settings.roundS, true);
          samples[variant.name].push(result);
          rounds.push({ endpoint: endpoint.name, round: round + 1, variant: variant.name, ...result });
          log(
            `${endpoint.name} round ${round + 1}/${settings.rounds} ${variant.name.padEnd(3)}: ` +
              `${result.rps.toFixed(0)} req/s, p99 ${result.p99} ms, ${result.cpuUs.toFixed(0)} µs CPU/request` +
              (result.spans
                ? `, ${result.spans.created} spans: ${result.spans.received} received, ${result.spans.dropped} dropped`
                : ''),
          );
        }
      }
      const rps = (name: VariantName) => median(samples[name].map((s) => s.rps));
      const p99 = (name: VariantName) => median(samples[name].map((s) => s.p99));
      const cpu = (name: VariantName) => median(samples[name].map((s) => s.cpuUs));
      ratios.push(
        { name: `${endpoint.name}: throughput on/off`, value: rps('on') / rps('off'), goal: '≥ 0.90' },
        { name: `${endpoint.name}: CPU per request off/on`, value: cpu('off') / cpu('on'), goal: '≥ 0.90' },
        {
          name: `${endpoint.name}: throughput on with 10 % sampling/off`,
          value: rps('sampled') / rps('off'),
          goal: '≥ 0.90',
        },
      );
      figures.push(
        { name: `${endpoint.name}: throughput on`, value: rps('on'), unit: 'req/s' },
        { name: `${endpoint.name}: throughput off`, value: rps('off'), unit: 'req/s' },
        { name: `${endpoint.name}: p99 on`, value: p99('on'), unit: 'ms' },
        { name: `${endpoint.name}: p99 off`, value: p99('off'), unit: 'ms' },
        { name: `${endpoint.name}: p99 on − off`, value: p99('on') - p99('off'), unit: 'ms' },
        { name: `${endpoint.name}: throughput on, 10 % sampled`, value: rps('sampled'), unit: 'req/s' },
        { name: `${endpoint.name}: p99 on, 10 % sampled`, value: p99('sampled'), unit: 'ms' },
        { name: `${endpoint.name}: CPU per request on`, value: cpu('on'), unit: 'µs' },
        { name: `${endpoint.name}: CPU per request on, 10 % sampled`, value: cpu('sampled'), unit: 'µs' },
        { name: `${endpoint.name}: CPU per request off`, value: cpu('off'), unit: 'µs' },
        ...spans.routeFigures(endpoint.name, median),
      );
    }
    figures.push(
      {
        name: 'logs written per request (on)',
        value: spent.logBytes / Math.max(1, spent.requests),
        unit: 'bytes',
      },
      {
        name: 'OTLP bytes exported per request (on, gzip)',
        value: spent.otlpBytes / Math.max(1, spent.requests),
        unit: 'bytes',
      },
      ...spanFigures(spans),
      {
        name: '/metrics scrapes during the runs (on)',
        value: scraper.scrapes,
        unit: `(${scraper.failures} failed)`,
      },
    );
    const { on: spansOn, sampled: spansSampled } = spans.total;
    ratios.push({
      name: 'spans lost in silence (created − received − counted as dropped)',
      value: spansOn.lostInSilence + spansSampled.lostInSilence,
      goal: '0',
    });
    if (spansOn.dropped + spansSampled.dropped > 0)
      notes.push(
        `spans dropped and counted in otel_spans_dropped_total: ${spansOn.dropped + spansSampled.dropped}`,
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

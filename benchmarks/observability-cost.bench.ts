import type { Observability } from '../tooling/app-env';
import { startApiProcess, type MeasuredApiProcess } from '../tooling/app-processes';
import { isListening } from '../tooling/free-port';
import { createSigningKey, type AccessTokens } from '../tooling/tokens';
import { createBenchDatabase, type BenchDatabase } from './support/bench-database';
import { checkout, type Checkout } from './support/checkout';
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

/** `before`: the baseline checkout (`--baseline`); `after`: the checkout measured (this one by default). */
type SideName = 'before' | 'after';

/** Parent-based: a sampled caller is always followed; new traces are kept at this ratio. */
const PRODUCTION_SAMPLING = {
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: '0.1',
};

/** One run of one variant; `spans` for the traced variants, once their queue has drained. */
interface RunResult extends LoadResult {
  /** CPU of the API process per answered request (for `POST /orders`, the sagas of the run included). */
  cpuUs: number;
  spans?: SpanCounts;
  /** `on`: bytes written to stdout per answered request (for `POST /orders`, the sagas' lines included). */
  logBytesPerRequest?: number;
  /** `on`: OTLP bytes the collector received per answered request (gzip, on the wire). */
  otlpBytesPerRequest?: number;
  /** `on`, `POST /orders`: spans the collector received per order placed, once every order is final. */
  spansPerOrder?: number;
}

/** One checkout's three APIs, on a database of their own, with what was measured on them. */
interface Side {
  name: SideName;
  checkout: Checkout;
  db: BenchDatabase;
  variants: Variant[];
  /** Orders placed beforehand, read back by `GET /orders/:id`, each by its own customer. */
  placed: Array<{ path: string; headers: { authorization: string } }>;
  spans: SpanTally;
  scraper: Scraper;
  notes: string[];
  /** Per route, per variant: the measured rounds. */
  samples: Map<string, Record<VariantName, RunResult[]>>;
}

interface Variant {
  side: Side;
  name: VariantName;
  /** How its rounds are logged: the variant, preceded by its side when two checkouts are compared. */
  label: string;
  api: MeasuredApiProcess;
  /** The collector stand-in this variant exports to (one each, so received spans are told apart). */
  sink?: OtlpSink;
}

interface Endpoint {
  name: string;
  requests(side: Side): autocannon.Request[];
  /** POSTs start sagas that outlive the run: they finish before the next run starts. */
  startsSagas: boolean;
  /** What one answered request is: an order for `POST /orders`, whose saga is part of its cost. */
  unit: 'request' | 'order';
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
 * exported over OTLP/HTTP and `info` logs written to a file, the same with 10 % head sampling, and the
 * same API with all three off. The variants run side by side on one database and take turns under load,
 * round after round. With `settings.baseline`, a second checkout's API runs the same three variants on a
 * database of its own, taking turns with the first's, and every figure is printed as `before → after`.
 */
export async function observabilityCost(settings: RunSettings, log: Log): Promise<BenchResult> {
  const teardown = new Teardown();
  try {
    const after = checkout(settings.candidate);
    const before = settings.baseline === undefined ? undefined : checkout(settings.baseline);
    const { keyFile, tokens } = await createSigningKey(teardown);
    const sides: Side[] = [];
    for (const [name, tree] of [
      ['before', before],
      ['after', after],
    ] as const) {
      if (!tree) continue;
      log(
        `${before ? `${name}: ` : ''}starting the API of ${tree.description} three times ` +
          '(observability on, on with 10 % sampling, off; same database)…',
      );
      sides.push(await startSide(name, tree, before !== undefined, { keyFile, tokens }, settings, teardown));
    }
    for (const side of sides)
      log(
        `${before ? `${side.name}: ` : ''}placed ${side.placed.length} orders to read back, each by its own customer`,
      );

    const posts = await orderRequests(2_000, tokens);
    const endpoints: Endpoint[] = [
      {
        name: 'GET /orders/:id',
        requests: (side) => cyclingGets(side.placed),
        startsSagas: false,
        unit: 'request',
      },
      {
        name: 'POST /orders',
        requests: () => cyclingJsonPosts('/orders', posts),
        startsSagas: true,
        unit: 'order',
      },
    ];
    // Before and after of each variant next to each other: on, on, sampled, sampled, off, off.
    const variants = (['on', 'sampled', 'off'] as const).flatMap((name) =>
      sides.map((side) => side.variants.find((variant) => variant.name === name)!),
    );
    const rounds: unknown[] = [];
    for (const endpoint of endpoints) {
      const requests = new Map(sides.map((side) => [side.name, endpoint.requests(side)]));
      const run = (variant: Variant, durationS: number, measured = false) =>
        measureRun(variant, endpoint, requests.get(variant.side.name)!, durationS, measured);
      for (const variant of variants) await run(variant, settings.warmupS);
      for (const side of sides) side.samples.set(endpoint.name, { on: [], sampled: [], off: [] });
      for (let round = 0; round < settings.rounds; round += 1) {
        // Each round in a different order, so no variant always runs first or last.
        for (const variant of variants.map((_, i) => variants[(i + round) % variants.length])) {
          const result = await run(variant, settings.roundS, true);
          variant.side.samples.get(endpoint.name)![variant.name].push(result);
          rounds.push({
            endpoint: endpoint.name,
            round: round + 1,
            ...(before ? { side: variant.side.name } : {}),
            variant: variant.name,
            ...result,
          });
          log(
            `${endpoint.name} round ${round + 1}/${settings.rounds} ${variant.label.padEnd(before ? 14 : 7)}: ` +
              `${result.rps.toFixed(0)} req/s, p99 ${result.p99} ms, ${result.cpuUs.toFixed(0)} µs CPU/${endpoint.unit}` +
              (result.spans
                ? `, ${result.spans.created} spans: ${result.spans.received} received, ${result.spans.dropped} dropped`
                : '') +
              (result.spansPerOrder === undefined ? '' : `, ${result.spansPerOrder.toFixed(1)} spans/order`) +
              (result.logBytesPerRequest === undefined
                ? ''
                : `, ${result.logBytesPerRequest.toFixed(0)} log bytes/${endpoint.unit}`),
          );
        }
      }
    }

    const measured = sides.map((side) => summarize(side, endpoints));
    const [ratios, figures] = before
      ? [
          comparison(measured[0].ratios, measured[1].ratios),
          comparison(measured[0].figures, measured[1].figures),
        ]
      : [measured[0].ratios, measured[0].figures];
    const notes = sides.flatMap((side) =>
      side.notes.map((note) => (before ? `${side.name}: ${note}` : note)),
    );
    return {
      id: 'a',
      title: 'Observability cost',
      settings: {
        connections: CONNECTIONS,
        'warm-up': `${settings.warmupS} s`,
        rounds: `${settings.rounds} × ${settings.roundS} s per variant and route`,
        ...(before ? { before: before.description, after: after.description } : {}),
        ...(!before && settings.candidate ? { checkout: after.description } : {}),
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

/** Starts one checkout's three APIs on a fresh database of their own, proves each variant, places orders. */
async function startSide(
  name: SideName,
  tree: Checkout,
  compared: boolean,
  key: { keyFile: string; tokens: AccessTokens },
  settings: RunSettings,
  teardown: Teardown,
): Promise<Side> {
  const db = await createBenchDatabase(name === 'before' ? 'bench_obs_before' : 'bench_obs', teardown);
  const [sinkOn, sinkSampled] = [await startOtlpSink(teardown), await startOtlpSink(teardown)];
  const prefix = name === 'before' ? 'baseline-' : '';
  const startApi = (variant: string, observability: Observability, env: Record<string, string> = {}) =>
    startApiProcess(
      { DATABASE_URL: db.url, AUTH_LOCAL_KEY_FILE: key.keyFile, ...env },
      {
        profile: { kind: 'benchmark', name: `${prefix}obs-${variant}`, observability },
        teardown,
        root: tree.root,
      },
    );
  const side: Side = {
    name,
    checkout: tree,
    db,
    variants: [],
    placed: [],
    spans: new SpanTally(),
    scraper: new Scraper(),
    notes: [],
    samples: new Map(),
  };
  const variant = (variantName: VariantName, api: MeasuredApiProcess, sink?: OtlpSink): Variant => ({
    side,
    name: variantName,
    label: compared ? `${name} ${variantName}` : variantName,
    api,
    sink,
  });
  const on = variant('on', await startApi('on', { kind: 'on', otlpEndpoint: sinkOn.endpoint }), sinkOn);
  const sampled = variant(
    'sampled',
    await startApi('sampled', { kind: 'on', otlpEndpoint: sinkSampled.endpoint }, PRODUCTION_SAMPLING),
    sinkSampled,
  );
  const off = variant('off', await startApi('off', { kind: 'off' }));
  side.variants.push(on, sampled, off);
  await checkVariants(on, off);
  side.notes.push(`off: nothing listens on its METRICS_PORT; on: /metrics answers 200`);
  await fillStock(db);
  side.placed = await placeOrders(on.api.baseUrl, settings.quick ? 100 : 500, key.tokens);
  await waitForSagas(db);
  return side;
}

/** One run of `variant` under load, with what it cost: CPU, and for the traced variants spans, logs, OTLP. */
async function measureRun(
  variant: Variant,
  endpoint: Endpoint,
  requests: autocannon.Request[],
  durationS: number,
  measured: boolean,
): Promise<RunResult> {
  const { side, api, sink } = variant;
  const logBefore = api.logBytes();
  const otlpBefore = sink?.received().bytes ?? 0;
  // Drained after the previous run: one scrape.
  const spansBefore = sink && (await drainedSpanCounts(api.metricsUrl, sink));
  const cpuBefore = processCpuSeconds(api.child.pid);
  if (variant.name !== 'off') side.scraper.start(api.metricsUrl);
  const result = await runLoad({ url: api.baseUrl, connections: CONNECTIONS, durationS, requests });
  side.scraper.stop();
  // Orders placed under load start sagas that outlive it: each order's CPU and log lines include its saga's.
  if (endpoint.startsSagas) await waitForSagas(side.db);
  const cpuAfter = processCpuSeconds(api.child.pid);
  const answered = Math.max(1, result.ok + result.non2xx);
  const cpuUs = cpuBefore === null || cpuAfter === null ? NaN : ((cpuAfter - cpuBefore) * 1e6) / answered;
  const run: RunResult = { ...result, cpuUs };
  if (sink && spansBefore) {
    // Every span of the run (sagas included) exported or counted as dropped before the next run starts.
    const counts = spanDelta(await drainedSpanCounts(api.metricsUrl, sink), spansBefore);
    side.spans.observe(
      variant.name as 'on' | 'sampled',
      endpoint.name,
      counts,
      answered,
      measured ? result.durationS : undefined,
    );
    run.spans = counts;
    if (variant.name === 'on' && endpoint.startsSagas)
      run.spansPerOrder = counts.received / Math.max(1, result.ok);
  }
  if (variant.name === 'on') {
    run.logBytesPerRequest = (api.logBytes() - logBefore) / answered;
    run.otlpBytesPerRequest = ((sink?.received().bytes ?? 0) - otlpBefore) / answered;
  }
  if (result.non2xx + result.errors > 0)
    side.notes.push(
      `${endpoint.name} (${variant.name}): ${result.non2xx} non-2xx answers, ${result.errors} errors`,
    );
  return run;
}

/** One side's ratios and figures, always in the same order and with the same names (see `comparison`). */
function summarize(side: Side, endpoints: Endpoint[]): { ratios: Ratio[]; figures: Figure[] } {
  const ratios: Ratio[] = [];
  const figures: Figure[] = [];
  for (const endpoint of endpoints) {
    const samples = side.samples.get(endpoint.name)!;
    const of = (name: VariantName, pick: (run: RunResult) => number | undefined) =>
      median(samples[name].map(pick).filter((value): value is number => value !== undefined));
    const rps = (name: VariantName) => of(name, (run) => run.rps);
    const p99 = (name: VariantName) => of(name, (run) => run.p99);
    const cpu = (name: VariantName) => of(name, (run) => run.cpuUs);
    const per = endpoint.unit;
    ratios.push(
      {
        name: `${endpoint.name}: throughput on/off`,
        value: rps('on') / rps('off'),
        goal: '≥ 0.90, ideally ≥ 0.95',
      },
      {
        name: `${endpoint.name}: CPU per ${per} off/on`,
        value: cpu('off') / cpu('on'),
        goal: '≥ 0.75, ideally ≥ 0.85',
      },
      {
        name: `${endpoint.name}: CPU per ${per} off/on with 10 % sampling`,
        value: cpu('off') / cpu('sampled'),
        goal: '≥ 0.90, ideally ≥ 0.95',
      },
      {
        name: `${endpoint.name}: throughput on with 10 % sampling/off`,
        value: rps('sampled') / rps('off'),
        goal: '≥ 0.90',
      },
      {
        name: `${endpoint.name}: log bytes per ${per} (on, info${endpoint.startsSagas ? ", the saga's lines included" : ''})`,
        value: of('on', (run) => run.logBytesPerRequest),
        goal: '≤ 500',
      },
    );
    if (endpoint.startsSagas)
      ratios.push({
        name: `${endpoint.name}: spans per order through COMPLETED (on, exported)`,
        value: of('on', (run) => run.spansPerOrder),
        goal: '≤ 25',
      });
    figures.push(
      { name: `${endpoint.name}: throughput on`, value: rps('on'), unit: 'req/s' },
      { name: `${endpoint.name}: throughput off`, value: rps('off'), unit: 'req/s' },
      { name: `${endpoint.name}: p99 on`, value: p99('on'), unit: 'ms' },
      { name: `${endpoint.name}: p99 off`, value: p99('off'), unit: 'ms' },
      { name: `${endpoint.name}: p99 on − off`, value: p99('on') - p99('off'), unit: 'ms' },
      { name: `${endpoint.name}: throughput on, 10 % sampled`, value: rps('sampled'), unit: 'req/s' },
      { name: `${endpoint.name}: p99 on, 10 % sampled`, value: p99('sampled'), unit: 'ms' },
      { name: `${endpoint.name}: CPU per ${per} on`, value: cpu('on'), unit: 'µs' },
      { name: `${endpoint.name}: CPU per ${per} on, 10 % sampled`, value: cpu('sampled'), unit: 'µs' },
      { name: `${endpoint.name}: CPU per ${per} off`, value: cpu('off'), unit: 'µs' },
      {
        name: `${endpoint.name}: OTLP bytes exported per ${per} (on, gzip)`,
        value: of('on', (run) => run.otlpBytesPerRequest),
        unit: 'bytes',
      },
      ...side.spans.routeFigures(endpoint.name, median),
    );
  }
  figures.push(...spanFigures(side.spans), {
    name: '/metrics scrapes during the runs (on)',
    value: side.scraper.scrapes,
    unit: `(${side.scraper.failures} failed)`,
  });
  const { on, sampled } = side.spans.total;
  ratios.push({
    name: 'spans lost in silence (created − received − counted as dropped)',
    value: on.lostInSilence + sampled.lostInSilence,
    goal: '0',
  });
  if (on.dropped + sampled.dropped > 0)
    side.notes.push(`spans dropped and counted in otel_spans_dropped_total: ${on.dropped + sampled.dropped}`);
  return { ratios, figures };
}

/** The after side's ratios or figures, each with its baseline value as `before`. */
function comparison<T extends Ratio | Figure>(before: T[], after: T[]): T[] {
  return after.map((entry, i) => {
    if (before[i]?.name !== entry.name) throw new Error(`before and after differ at ${entry.name}`);
    return { ...entry, before: before[i].value };
  });
}

/** Proves each variant is what it claims before measuring it. */
async function checkVariants(on: Variant, off: Variant): Promise<void> {
  const scrape = await fetch(on.api.metricsUrl, { headers: { accept: PROMETHEUS_ACCEPT } });
  if (scrape.status !== 200) throw new Error(`observability on: /metrics answered ${scrape.status}`);
  await scrape.arrayBuffer();
  if (await isListening(off.api.metricsPort))
    throw new Error(`observability off: something listens on its METRICS_PORT ${off.api.metricsPort}`);
}

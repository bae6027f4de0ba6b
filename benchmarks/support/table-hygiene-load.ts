import { WEBHOOK_EVENT_TYPES } from '@app/webhooks';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { runLoad, type LoadSummary } from '../../load-generator';
import { startApiProcess } from '../../tooling/app-processes';
import { OPERATOR } from '../../tooling/tokens';
import { fillStock, waitForSagas } from './orders';
import type { OtlpSink } from './otlp-sink';
import type { Log } from './report';
import type { ScratchCluster } from './table-hygiene-cluster';
import { fillOrders } from './table-hygiene-fill';
import {
  HOT_TABLES,
  indexHygiene,
  StatsSampler,
  tableHygiene,
  type IndexHygiene,
  type Sample,
  type TableHygiene,
} from './table-hygiene-stats';
import { planReads, type ReadPlan } from './table-hygiene-status-indexes';
import type { Teardown } from './teardown';

/** Prometheus' own `Accept` header. */
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
/** As often as production's Prometheus scrapes (ops/prometheus/prometheus.yml). */
const SCRAPE_EVERY_MS = 15_000;

/** One load phase: a fresh database, its storage parameters, the load and how long to watch. */
export interface LoadPhaseOptions {
  /** What the report calls it. */
  name: string;
  /**
   * `defaults`: every storage parameter of the hot tables reset after the migrations ran (PostgreSQL's
   * autovacuum thresholds and fillfactor); `migrated`: the tables as the migrations leave them.
   */
  tables: 'defaults' | 'migrated';
  /** Finished orders written before the load (with a payment and a delivered webhook each). */
  baseOrders: number;
  /** Orders placed before the load stops. */
  orders: number;
  /** Requests per second of the load generator (a quarter of them orders). */
  rate: number;
  sampleEveryMs: number;
  /** How long to keep watching once every saga has finished (autovacuum catching up). */
  coolDownMs: number;
  /** The load stops after this long even if fewer orders were placed. */
  maxLoadMs: number;
  seed: number;
}

export interface LoadPhaseResult {
  name: string;
  tables: 'defaults' | 'migrated';
  /** Each hot table's storage parameters during the phase (`name=value`; none: PostgreSQL's defaults). */
  storageParameters: Record<string, string[]>;
  /** The same as the migrations set them. */
  migratedParameters: Record<string, string[]>;
  /** Orders written before the load, and placed during it. */
  baseOrders: number;
  orders: number;
  load: Pick<
    LoadSummary,
    'durationSeconds' | 'requests' | 'throughput' | 'errors' | 'unexpectedStatuses' | 'outcomes' | 'seed'
  >;
  /** When the load stopped and when the last saga had finished, in seconds after the first sample. */
  loadEndedAtS: number;
  sagasEndedAtS: number;
  /** The whole phase, first sample to last. */
  durationS: number;
  webhooksReceived: number;
  scrapes: number;
  loadAverage: { start: number[]; end: number[] };
  hygiene: TableHygiene[];
  indexes: IndexHygiene[];
  /** The reads of the status indexes, planned and run at every scrape: indexes used, buffers touched. */
  reads: ReadProbe[];
  samples: Sample[];
}

/** The reads of `ORDERS_READS` at one moment. */
export interface ReadProbe {
  atS: number;
  plans: ReadPlan[];
}

/**
 * Starts the API (inline engine, production's observability: metrics scraped every 15 s, every request
 * traced) on a new database of `cluster`, registers a webhook endpoint that subscribes to every event (a
 * local receiver answering 204, so every event is delivered), then runs the load generator until
 * `options.orders` orders exist, sampling the hot tables' counters every `sampleEveryMs` before, during and
 * after the load, until the cool-down ends. The API is stopped and the database dropped at the end.
 */
export async function runLoadPhase(
  cluster: ScratchCluster,
  sink: OtlpSink,
  options: LoadPhaseOptions,
  teardown: Teardown,
  log: Log,
): Promise<LoadPhaseResult> {
  const db = await cluster.createDatabase(`bench_hygiene_${options.tables}`);
  const receiver = await startReceiver(teardown);
  log(`${options.name}: starting the API on ${db.name}…`);
  const api = await startApiProcess(
    { DATABASE_URL: db.url, WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' },
    {
      profile: {
        kind: 'benchmark',
        name: `hygiene-${options.tables}`,
        observability: { kind: 'on', otlpEndpoint: sink.endpoint },
      },
      teardown,
    },
  );
  const storageParametersNow = async () =>
    Object.fromEntries(
      (
        await db.query<{ relname: string; reloptions: string[] | null }>(
          'SELECT relname, reloptions FROM pg_class WHERE relname = ANY ($1) ORDER BY relname',
          [HOT_TABLES],
        )
      ).map((row) => [row.relname, row.reloptions ?? []]),
    );
  const migratedParameters = await storageParametersNow();
  if (options.tables === 'defaults') await resetStorageParameters(db.query);
  const storageParameters = await storageParametersNow();
  await fillStock(db);
  const registered = await fetch(`${api.baseUrl}/admin/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await api.tokens.headers(OPERATOR)) },
    body: JSON.stringify({
      url: receiver.url,
      eventTypes: WEBHOOK_EVENT_TYPES,
      description: 'table hygiene benchmark',
    }),
  });
  if (registered.status !== 201)
    throw new Error(`POST /admin/webhooks answered ${registered.status}: ${await registered.text()}`);
  const endpoint = (await registered.json()) as { id: string };
  log(`${options.name}: writing ${options.baseOrders.toLocaleString('en-US')} finished orders…`);
  await fillOrders(db, {
    orders: options.baseOrders,
    inFlight: 0,
    payments: true,
    webhookEndpointId: endpoint.id,
  });

  const sampler = await StatsSampler.open(db.url);
  const defaults = await sampler.defaults();
  const startedAt = new Date();
  const sinceStart = () => Math.round((Date.now() - startedAt.getTime()) / 100) / 10;
  const loadAverageAtStart = loadavg();
  const samples: Sample[] = [await sampler.sample(0)];
  const target = samples[0].orders + options.orders;
  const reads: ReadProbe[] = [{ atS: 0, plans: await planReads(db.url) }];
  const stop = new AbortController();
  let sampling = Promise.resolve();
  const sampleTimer = setInterval(() => {
    sampling = sampling.then(async () => {
      const sample = await sampler.sample(sinceStart());
      samples.push(sample);
      if (sample.orders >= target && !stop.signal.aborted) stop.abort();
    });
  }, options.sampleEveryMs);
  let scrapes = 0;
  let probing = Promise.resolve();
  const scrapeTimer = setInterval(() => {
    void fetch(api.metricsUrl, { headers: { accept: PROMETHEUS_ACCEPT } })
      .then((response) => response.text())
      .then(() => (scrapes += 1))
      .catch(() => undefined);
    probing = probing.then(async () => {
      reads.push({ atS: sinceStart(), plans: await planReads(db.url) });
    });
  }, SCRAPE_EVERY_MS);
  const progress = setInterval(() => {
    const last = samples.at(-1)!;
    const orders = last.tables.find((t) => t.table === 'orders');
    log(
      `${options.name}: ${String(Math.round(last.atS)).padStart(4)} s, ${last.orders - samples[0].orders} orders placed, ` +
        `orders dead tuples ${orders?.dead ?? 0}, autovacuums of orders ${orders?.autovacuums ?? 0}`,
    );
  }, 30_000);

  let loadEndedAtS: number | undefined;
  try {
    log(
      `${options.name}: load at ${options.rate} req/s until ${options.orders} orders exist ` +
        `(at most ${Math.round(options.maxLoadMs / 1000)} s), counters every ${options.sampleEveryMs / 1000} s`,
    );
    const summary = await runLoad(
      {
        url: api.baseUrl,
        rate: options.rate,
        durationMs: options.maxLoadMs,
        keyFile: api.keyFile,
        settleMs: 60_000,
        seed: options.seed,
      },
      { signal: stop.signal, onPhase: () => (loadEndedAtS ??= sinceStart()) },
    );
    await waitForSagas(db, 300_000);
    const sagasEndedAtS = sinceStart();
    log(
      `${options.name}: ${summary.orders.placed} orders placed in ${summary.durationSeconds.toFixed(0)} s ` +
        `(${summary.throughput} req/s, ${summary.errors.total} errors); watching ${options.coolDownMs / 1000} s more`,
    );
    await new Promise((resolve) => setTimeout(resolve, options.coolDownMs));
    clearInterval(sampleTimer);
    clearInterval(scrapeTimer);
    await sampling;
    await probing;
    samples.push(await sampler.sample(sinceStart()));
    reads.push({ atS: sinceStart(), plans: await planReads(db.url) });
    const runs = await cluster.autovacuumRuns(db.name, startedAt);
    return {
      name: options.name,
      tables: options.tables,
      storageParameters,
      migratedParameters,
      baseOrders: options.baseOrders,
      orders: samples.at(-1)!.orders - samples[0].orders,
      load: {
        durationSeconds: summary.durationSeconds,
        requests: summary.requests,
        throughput: summary.throughput,
        errors: summary.errors,
        unexpectedStatuses: summary.unexpectedStatuses,
        outcomes: summary.outcomes,
        seed: summary.seed,
      },
      loadEndedAtS: loadEndedAtS ?? sagasEndedAtS,
      sagasEndedAtS,
      durationS: samples.at(-1)!.atS,
      webhooksReceived: receiver.received(),
      scrapes,
      loadAverage: { start: rounded(loadAverageAtStart), end: rounded(loadavg()) },
      hygiene: tableHygiene(samples, defaults, runs, startedAt),
      indexes: indexHygiene(samples),
      reads,
      samples,
    };
  } finally {
    clearInterval(sampleTimer);
    clearInterval(scrapeTimer);
    clearInterval(progress);
    await sampling.catch(() => undefined);
    await probing.catch(() => undefined);
    await sampler.close();
    await api.stop();
    await receiver.close();
    await db.drop();
  }
}

/** Resets every storage parameter of the hot tables: PostgreSQL's fillfactor and autovacuum thresholds. */
async function resetStorageParameters(query: <T>(sql: string, params?: unknown[]) => Promise<T[]>) {
  const rows = await query<{ relname: string; reloptions: string[] }>(
    'SELECT relname, reloptions FROM pg_class WHERE relname = ANY ($1) AND reloptions IS NOT NULL',
    [HOT_TABLES],
  );
  for (const { relname, reloptions } of rows)
    await query(`ALTER TABLE ${relname} RESET (${reloptions.map((o) => o.split('=')[0]).join(', ')})`);
}

/** A webhook receiver answering 204 to everything, counting what it received. */
async function startReceiver(
  teardown: Teardown,
): Promise<{ url: string; received(): number; close(): Promise<void> }> {
  let received = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received += 1;
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = teardown.defer('close the webhook receiver', () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`,
    received: () => received,
    close,
  };
}

const rounded = (values: number[]) => values.map((v) => Math.round(v * 100) / 100);

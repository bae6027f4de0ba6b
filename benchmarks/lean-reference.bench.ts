import { isDeepStrictEqual } from 'node:util';
import { startApiProcess } from '../tooling/app-processes';
import { freePort } from '../tooling/free-port';
import { launchTypeScript, waitUntilReady } from '../tooling/processes';
import { createSigningKey } from '../tooling/tokens';
import { createBenchDatabase } from './support/bench-database';
import { alternatingRounds, cyclingGets, runLoad } from './support/load';
import { fillStock, placeOrders, waitForSagas } from './support/orders';
import { startOtlpSink } from './support/otlp-sink';
import type { BenchResult, Log, RunSettings } from './support/report';
import { median } from './support/stats';
import { benchChild, Teardown } from './support/teardown';

const CONNECTIONS = 32;

/**
 * e. What the API costs against the leanest server doing the same work: `GET /orders/:id` from the API
 * with full observability (metrics scraped-ready, 100 % tracing exported over OTLP, `info` logs) against
 * raw Fastify + pg (benchmarks/targets/lean-orders.server.ts) answering the same JSON from the same
 * statement on the same database. Both answer the same order ids and take turns under load.
 */
export async function leanReference(settings: RunSettings, log: Log): Promise<BenchResult> {
  const teardown = new Teardown();
  try {
    const db = await createBenchDatabase('bench_lean', teardown);
    const sink = await startOtlpSink(teardown);
    const { keyFile, tokens } = await createSigningKey(teardown);
    log('starting the API (observability on) and the lean Fastify + pg server…');
    const api = await startApiProcess(
      { DATABASE_URL: db.url, AUTH_LOCAL_KEY_FILE: keyFile },
      {
        profile: {
          kind: 'benchmark',
          name: 'lean-api',
          observability: { kind: 'on', otlpEndpoint: sink.endpoint },
        },
        teardown,
      },
    );
    const leanPort = await freePort();
    const lean = launchTypeScript('benchmarks/targets/lean-orders.server.ts', {
      env: { PORT: String(leanPort), DATABASE_URL: db.url },
      ...benchChild(teardown),
    });
    const leanUrl = `http://127.0.0.1:${leanPort}`;
    await fillStock(db);
    // The API reads each order as its customer (a bearer token per customer: token checks are measured too).
    const placed = await placeOrders(api.baseUrl, settings.quick ? 100 : 500, tokens);
    await waitForSagas(db);
    await waitUntilReady(lean, { url: `${leanUrl}${placed[0].path}` });
    await sameAnswers(api.baseUrl, leanUrl, placed.slice(0, 20));
    log(`placed ${placed.length} orders; both servers answer them with the same JSON`);

    const targets = {
      api: { url: api.baseUrl, requests: cyclingGets(placed) },
      lean: { url: leanUrl, requests: cyclingGets(placed.map(({ path }) => ({ path }))) },
    };
    type Name = keyof typeof targets;
    const run = (name: Name, durationS: number) =>
      runLoad({ ...targets[name], connections: CONNECTIONS, durationS });
    const { samples, rounds } = await alternatingRounds(['api', 'lean'] as const, run, settings, log);
    const rps = (name: Name) => median(samples[name].map((s) => s.rps));
    const p99 = (name: Name) => median(samples[name].map((s) => s.p99));
    const failed = Object.entries(samples).flatMap(([name, results]) =>
      results.some((r) => r.non2xx + r.errors > 0)
        ? [`${name} answered non-2xx or failed during the runs`]
        : [],
    );
    return {
      id: 'e',
      title: 'API against a lean Fastify + pg server',
      settings: {
        connections: CONNECTIONS,
        orders: placed.length,
        'warm-up': `${settings.warmupS} s`,
        rounds: `${settings.rounds} × ${settings.roundS} s per server`,
      },
      ratios: [
        {
          name: 'GET /orders/:id: API (observability on) / lean',
          value: rps('api') / rps('lean'),
          goal: '≥ 0.5',
        },
      ],
      figures: [
        { name: 'API GET /orders/:id', value: rps('api'), unit: 'req/s' },
        { name: 'lean GET /orders/:id', value: rps('lean'), unit: 'req/s' },
        { name: 'API p99', value: p99('api'), unit: 'ms' },
        { name: 'lean p99', value: p99('lean'), unit: 'ms' },
      ],
      notes: failed,
      rounds,
    };
  } finally {
    await teardown.close();
  }
}

/** The comparison is only fair if both answer the same: every sampled order reads identically. */
async function sameAnswers(
  apiUrl: string,
  leanUrl: string,
  orders: Array<{ path: string; headers: Record<string, string> }>,
): Promise<void> {
  for (const { path, headers } of orders) {
    const [fromApi, fromLean] = await Promise.all([
      fetch(`${apiUrl}${path}`, { headers }).then((r) => r.json()),
      fetch(`${leanUrl}${path}`).then((r) => r.json()),
    ]);
    if (!isDeepStrictEqual(fromApi, fromLean))
      throw new Error(
        `the servers answer ${path} differently:\n${JSON.stringify(fromApi)}\n${JSON.stringify(fromLean)}`,
      );
  }
}

import { isDeepStrictEqual } from 'node:util';
import type autocannon from 'autocannon';
import { startApiProcess, type MeasuredApiProcess } from '../tooling/app-processes';
import { freePort } from '../tooling/free-port';
import { launchTypeScript, waitUntilReady } from '../tooling/processes';
import { createSigningKey } from '../tooling/tokens';
import { createBenchDatabase, type BenchDatabase } from './support/bench-database';
import { checkout, type Checkout } from './support/checkout';
import { cyclingGets, runLoad, type LoadResult } from './support/load';
import { fillStock, orderRequests, placeRequests, waitForSagas, type PlacedOrder } from './support/orders';
import { startOtlpSink } from './support/otlp-sink';
import { processCpuSeconds } from './support/process-cpu';
import type { BenchResult, Figure, Log, Ratio, RunSettings } from './support/report';
import { median } from './support/stats';
import { benchChild, Teardown } from './support/teardown';

const CONNECTIONS = 32;

/** An order placed beforehand: its path and its customer's `Authorization` header. */
type Placed = PlacedOrder;

/** `before`: the baseline checkout's API (`--baseline`); `after`: the measured checkout's (this one by default). */
type SideName = 'before' | 'after';

/** One checkout's API (observability on) on a database of its own, with the orders placed through it. */
interface Api {
  side: SideName;
  checkout: Checkout;
  db: BenchDatabase;
  api: MeasuredApiProcess;
  placed: Placed[];
}

/** A server under load: one of the APIs or the lean reference. */
interface Server {
  /** `api` and `lean` alone; `before`, `after` and `lean` when two checkouts are compared. */
  key: string;
  /** How its rounds are logged. */
  label: string;
  url: string;
  pid: number;
  requests: autocannon.Request[];
}

/** One run under load, with the CPU time the server's process spent per answered request. */
interface ServerRun extends LoadResult {
  cpuUs: number;
}

/**
 * e. What the API costs against the leanest server doing the same work: `GET /orders/:id` from the API
 * with full observability (metrics scraped-ready, 100 % tracing exported over OTLP, `info` logs) against
 * raw Fastify + pg (benchmarks/targets/lean-orders.server.ts) answering the same JSON from the same
 * statement on the same database. Both answer the same order ids and take turns under load. With
 * `settings.baseline`, a second checkout's API runs too, on a database of its own holding the same orders
 * (placed through it by the same requests), and the three servers take turns in a rotating order; the
 * ratio and the APIs' figures are then printed as `before → after`.
 */
export async function leanReference(settings: RunSettings, log: Log): Promise<BenchResult> {
  const teardown = new Teardown();
  try {
    const after = checkout(settings.candidate);
    const before = settings.baseline === undefined ? undefined : checkout(settings.baseline);
    const compared = before !== undefined;
    const { keyFile, tokens } = await createSigningKey(teardown);
    const startApi = async (side: SideName, tree: Checkout): Promise<Api> => {
      const db = await createBenchDatabase(side === 'before' ? 'bench_lean_before' : 'bench_lean', teardown);
      const sink = await startOtlpSink(teardown);
      const api = await startApiProcess(
        { DATABASE_URL: db.url, AUTH_LOCAL_KEY_FILE: keyFile },
        {
          profile: {
            kind: 'benchmark',
            name: side === 'before' ? 'baseline-lean-api' : 'lean-api',
            observability: { kind: 'on', otlpEndpoint: sink.endpoint },
          },
          teardown,
          root: tree.root,
        },
      );
      return { side, checkout: tree, db, api, placed: [] };
    };

    const apis: Api[] = [];
    if (before) {
      log(`before: starting the API of ${before.description} (observability on, a database of its own)…`);
      apis.push(await startApi('before', before));
    }
    log(
      compared || settings.candidate
        ? `${compared ? 'after: ' : ''}starting the API of ${after.description} (observability on) ` +
            'and the lean Fastify + pg server…'
        : 'starting the API (observability on) and the lean Fastify + pg server…',
    );
    const afterApi = await startApi('after', after);
    apis.push(afterApi);
    const leanPort = await freePort();
    const lean = launchTypeScript('benchmarks/targets/lean-orders.server.ts', {
      env: { PORT: String(leanPort), DATABASE_URL: afterApi.db.url },
      ...benchChild(teardown),
    });
    const leanUrl = `http://127.0.0.1:${leanPort}`;

    // The API reads each order as its customer (a bearer token per customer: token checks are measured
    // too). Each API places the same orders (same customers, SKUs and quantities) on its own database.
    const requests = await orderRequests(settings.quick ? 100 : 500, tokens);
    for (const api of apis) {
      await fillStock(api.db);
      api.placed = await placeRequests(api.api.baseUrl, requests);
      await waitForSagas(api.db);
    }
    await waitUntilReady(lean, { url: `${leanUrl}${afterApi.placed[0].path}` });
    await sameAnswers(afterApi.api.baseUrl, leanUrl, afterApi.placed.slice(0, 20));
    const notes: string[] = [];
    if (before) {
      const differs = await sameShape(apis[0], afterApi, 20);
      if (differs) notes.push(`before: ${differs}`);
      log(
        `placed ${requests.length} orders through each API; the after API and the lean server answer ` +
          `them with the same JSON${differs ? '; the before API answers another shape (see the notes)' : ', the before API with JSON of the same shape'}`,
      );
    } else log(`placed ${requests.length} orders; both servers answer them with the same JSON`);

    const apiServer = (api: Api): Server => ({
      key: compared ? api.side : 'api',
      label: compared ? `API ${api.side}` : 'api',
      url: api.api.baseUrl,
      pid: api.api.pid,
      requests: cyclingGets(api.placed),
    });
    const leanServer: Server = {
      key: 'lean',
      label: 'lean',
      url: leanUrl,
      pid: lean.pid,
      requests: cyclingGets(afterApi.placed.map(({ path }) => ({ path }))),
    };
    // Without a baseline: api, lean; then lean, api; … With one: before, after, lean; after, lean, before; …
    const servers = [...apis.map(apiServer), leanServer];
    const { samples, rounds } = await rotatingRounds(servers, settings, log);

    const of = (server: Server, pick: (run: ServerRun) => number) => median(samples.get(server)!.map(pick));
    const rps = (server: Server) => of(server, (run) => run.rps);
    const p99 = (server: Server) => of(server, (run) => run.p99);
    const cpu = (server: Server) => of(server, (run) => run.cpuUs);
    const [afterServer, beforeServer] = [servers[compared ? 1 : 0], compared ? servers[0] : undefined];
    /** The after API's value, with the before API's beside it when there is one. */
    const apiValue = (pick: (server: Server) => number) => ({
      value: pick(afterServer),
      ...(beforeServer ? { before: pick(beforeServer) } : {}),
    });
    const ratios: Ratio[] = [
      {
        name: 'GET /orders/:id: API (observability on) / lean',
        ...apiValue((server) => rps(server) / rps(leanServer)),
        goal: '≥ 0.5',
      },
    ];
    const figures: Figure[] = [
      { name: 'API GET /orders/:id', ...apiValue(rps), unit: 'req/s' },
      { name: 'lean GET /orders/:id', value: rps(leanServer), unit: 'req/s' },
      { name: 'API p99', ...apiValue(p99), unit: 'ms' },
      { name: 'lean p99', value: p99(leanServer), unit: 'ms' },
      { name: 'API CPU per request', ...apiValue(cpu), unit: 'µs' },
      { name: 'lean CPU per request', value: cpu(leanServer), unit: 'µs' },
    ];
    for (const server of servers)
      if (samples.get(server)!.some((run) => run.non2xx + run.errors > 0))
        notes.push(`${server.key} answered non-2xx or failed during the runs`);
    return {
      id: 'e',
      title: 'API against a lean Fastify + pg server',
      settings: {
        connections: CONNECTIONS,
        orders: requests.length,
        'warm-up': `${settings.warmupS} s`,
        rounds: `${settings.rounds} × ${settings.roundS} s per server`,
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

/**
 * The servers under the same load, taking turns: a warm-up each, then `settings.rounds` rounds, each
 * starting one server further (A B C, B C A, …; with two servers, A B then B A), so that none always runs
 * first or last. Each run measures the CPU time of the server's process per answered request.
 */
async function rotatingRounds(
  servers: Server[],
  settings: RunSettings,
  log: Log,
): Promise<{ samples: Map<Server, ServerRun[]>; rounds: unknown[] }> {
  const run = async (server: Server, durationS: number): Promise<ServerRun> => {
    const cpuBefore = processCpuSeconds(server.pid);
    const result = await runLoad({
      url: server.url,
      requests: server.requests,
      connections: CONNECTIONS,
      durationS,
    });
    const cpuAfter = processCpuSeconds(server.pid);
    const answered = Math.max(1, result.ok + result.non2xx);
    const cpuUs = cpuBefore === null || cpuAfter === null ? NaN : ((cpuAfter - cpuBefore) * 1e6) / answered;
    return { ...result, cpuUs };
  };
  for (const server of servers) await run(server, settings.warmupS);
  const samples = new Map(servers.map((server) => [server, [] as ServerRun[]]));
  const rounds: unknown[] = [];
  // Labels aligned when a baseline adds a third server (`API before`, `API after`, `lean`).
  const width = servers.length > 2 ? Math.max(...servers.map((server) => server.label.length)) : 0;
  for (let round = 0; round < settings.rounds; round += 1) {
    for (const server of servers.map((_, i) => servers[(i + round) % servers.length])) {
      const result = await run(server, settings.roundS);
      samples.get(server)!.push(result);
      rounds.push({ round: round + 1, target: server.key, ...result });
      log(
        `round ${round + 1}/${settings.rounds} ${server.label.padEnd(width)}: ${result.rps.toFixed(0)} req/s, ` +
          `p99 ${result.p99} ms, ${result.cpuUs.toFixed(0)} µs CPU/request`,
      );
    }
  }
  return { samples, rounds };
}

/** The comparison is only fair if both answer the same: every sampled order reads identically. */
async function sameAnswers(apiUrl: string, leanUrl: string, orders: Placed[]): Promise<void> {
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

/**
 * The baseline API reads its own orders (other ids, other times): its answers to the first `count` orders
 * are compared with the measured API's to the same orders field by field, by name and JSON type. Resolves
 * with what differs, or undefined. A baseline of another JSON shape is still measured; the note says so.
 */
async function sameShape(before: Api, after: Api, count: number): Promise<string | undefined> {
  for (let i = 0; i < Math.min(count, after.placed.length); i += 1) {
    const read = async ({ api, placed }: Api) => {
      const response = await fetch(`${api.baseUrl}${placed[i].path}`, { headers: placed[i].headers });
      if (response.status !== 200)
        throw new Error(`GET ${placed[i].path} answered ${response.status}: ${await response.text()}`);
      return shapeOf(await response.json());
    };
    const [fromBefore, fromAfter] = await Promise.all([read(before), read(after)]);
    if (!isDeepStrictEqual(fromBefore, fromAfter))
      return (
        `GET /orders/:id answers JSON of another shape than the measured API's ` +
        `(${JSON.stringify(fromBefore)} against ${JSON.stringify(fromAfter)})`
      );
  }
  return undefined;
}

/** A JSON value's field names and types, its values left out: `{"id":"string","lines":[{…}]}`. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, field]) => [key, shapeOf(field)]),
    );
  return value === null ? 'null' : typeof value;
}

import { startApiProcess } from '../tooling/app-processes';
import { freePort } from '../tooling/free-port';
import { launchTypeScript, waitUntilReady } from '../tooling/processes';
import { createSigningKey } from '../tooling/tokens';
import { createBenchDatabase } from './support/bench-database';
import { alternatingRounds, runLoad } from './support/load';
import type { BenchResult, Log, RunSettings } from './support/report';
import { median } from './support/stats';
import { benchChild, Teardown } from './support/teardown';

const CONNECTIONS = 16;

/**
 * b. What the framework costs on the cheapest route: the API's `GET /health/live` (Fastify, Nest's router,
 * global filters and hooks; observability off, so only the framework is measured) against a bare
 * `node:http` server started the same way and answering the same bytes. They take turns under load.
 */
export async function frameworkOverhead(settings: RunSettings, log: Log): Promise<BenchResult> {
  const teardown = new Teardown();
  try {
    const db = await createBenchDatabase('bench_framework', teardown);
    log('starting the API (observability off) and the raw node:http server…');
    const { keyFile } = await createSigningKey(teardown);
    const api = await startApiProcess(
      { DATABASE_URL: db.url, AUTH_LOCAL_KEY_FILE: keyFile },
      { profile: { kind: 'benchmark', name: 'framework', observability: { kind: 'off' } }, teardown },
    );
    const liveBody = await (await fetch(`${api.baseUrl}/health/live`)).text();
    const rawPort = await freePort();
    const raw = launchTypeScript('benchmarks/targets/raw-http.server.ts', {
      env: { PORT: String(rawPort), BODY: liveBody },
      ...benchChild(teardown),
    });
    const rawUrl = `http://127.0.0.1:${rawPort}`;
    await waitUntilReady(raw, { url: `${rawUrl}/health/live` });

    const targets = { api: `${api.baseUrl}/health/live`, raw: `${rawUrl}/health/live` };
    type Name = keyof typeof targets;
    const run = (name: Name, durationS: number) =>
      runLoad({ url: targets[name], connections: CONNECTIONS, durationS, requests: [{ method: 'GET' }] });
    const { samples, rounds } = await alternatingRounds(['api', 'raw'] as const, run, settings, log);
    const rps = (name: Name) => median(samples[name].map((s) => s.rps));
    const p99 = (name: Name) => median(samples[name].map((s) => s.p99));
    return {
      id: 'b',
      title: 'Framework efficiency',
      settings: {
        connections: CONNECTIONS,
        'warm-up': `${settings.warmupS} s`,
        rounds: `${settings.rounds} × ${settings.roundS} s per server`,
      },
      ratios: [{ name: 'GET /health/live: API / raw node:http throughput', value: rps('api') / rps('raw') }],
      figures: [
        { name: 'API GET /health/live', value: rps('api'), unit: 'req/s' },
        { name: 'raw node:http', value: rps('raw'), unit: 'req/s' },
        { name: 'API p99', value: p99('api'), unit: 'ms' },
        { name: 'raw node:http p99', value: p99('raw'), unit: 'ms' },
      ],
      notes: [
        'autocannon runs on the same machine as both servers: when it is the limit, the raw server is held back ' +
          'more than the API, which flatters the ratio',
      ],
      rounds,
    };
  } finally {
    await teardown.close();
  }
}

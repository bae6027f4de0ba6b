// CPU profiles of GET /orders/:id with observability on and off: two APIs on one database, loaded one after
// the other (warm-up, then 20 s each), then CPU per request by package, the difference first
// (scripts/compare-cpu-profiles.js).
//
//   npm run profile:observability [-- --sampled] [--keep-profiles <dir>]
//
// Needs PostgreSQL as the tests do (127.0.0.1:5432 with trust authentication, or TEST_PG_ADMIN_URL).
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApiProcess, type MeasuredApiProcess } from '../tooling/app-processes';
import type { Observability } from '../tooling/app-env';
import { orderBody } from '../tooling/order-requests';
import {
  cpuProfileFlags,
  cpuProfileIn,
  printCpuPerRequest,
  profileOptions,
  runProfile,
  secondsBetween,
} from './support/cpu-profile';
import { cyclingGets, runLoad } from './support/load';
import { startOtlpSink } from './support/otlp-sink';

const CONNECTIONS = 16;
const WARMUP_S = 5;
const MEASURED_S = 20;
const CUSTOMER = 'c-1';

const USAGE = `Usage: npm run profile:observability [-- --sampled] [--keep-profiles <dir>]

CPU profiles of GET /orders/:id on two APIs sharing a database, observability on (metrics, every request
traced and exported over OTLP/HTTP to a local sink, info logs to a file) and off; ${CONNECTIONS} connections,
a ${WARMUP_S} s warm-up, then ${MEASURED_S} s of load on each in turn. Prints CPU per request by package, on − off first.
  --sampled               the "on" API traces one request in ten (parentbased_traceidratio 0.1)
  --keep-profiles <dir>   keeps on.cpuprofile and off.cpuprofile in <dir>
Needs PostgreSQL on 127.0.0.1:5432 with trust authentication (or TEST_PG_ADMIN_URL), as the tests do.`;

const options = profileOptions(USAGE, {
  sampled: { type: 'boolean', default: false },
  'keep-profiles': { type: 'string' },
});
/** Head sampling of the "on" API: every request, or one trace in ten (`--sampled`). */
const SAMPLED_ENV: Record<string, string> = options.sampled
  ? { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }
  : {};

runProfile('obs', async ({ teardown, db, dir, keyFile, tokens, log }) => {
  const sink = await startOtlpSink(teardown);
  const start = (name: 'on' | 'off', observability: Observability) =>
    startApiProcess(
      { DATABASE_URL: db.url, AUTH_LOCAL_KEY_FILE: keyFile, ...(name === 'on' ? SAMPLED_ENV : {}) },
      {
        profile: { kind: 'profile', name: `obs-${name}`, observability },
        nodeArgs: cpuProfileFlags(path.join(dir, name)),
        // It writes its profile as it exits: let it finish shutting down.
        killAfterMs: 60_000,
        teardown,
      },
    );
  log('starting the API twice (observability on and off, one database)…');
  const on = await start('on', { kind: 'on', otlpEndpoint: sink.endpoint });
  const off = await start('off', { kind: 'off' });

  const headers = await tokens.headers(CUSTOMER);
  const placed = await fetch(`${off.baseUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(orderBody({ items: [{ sku: 'SKU-001', quantity: 1 }] })),
  });
  const id = ((await placed.json()) as { id?: unknown }).id;
  if (placed.status !== 202 || typeof id !== 'string')
    throw new Error(`could not place the order to read (POST /orders answered ${placed.status})`);
  await sleep(1_000); // its saga finishes

  const load = (api: MeasuredApiProcess, durationS: number) =>
    runLoad({
      url: api.baseUrl,
      connections: CONNECTIONS,
      durationS,
      requests: cyclingGets([{ path: `/orders/${id}`, headers }]),
    });
  for (const api of [on, off]) await load(api, WARMUP_S);
  const measured = new Map<MeasuredApiProcess, { requests: number; endedAt: number }>();
  for (const api of [on, off]) {
    const result = await load(api, MEASURED_S);
    measured.set(api, { requests: result.ok, endedAt: Date.now() });
  }
  const stopped = new Map<MeasuredApiProcess, number>();
  await Promise.all(
    [on, off].map(async (api) => {
      await api.stop();
      stopped.set(api, Date.now());
    }),
  );

  log(
    `observability on: ${measured.get(on)!.requests} requests in ${MEASURED_S} s; ` +
      `off: ${measured.get(off)!.requests} requests in ${MEASURED_S} s`,
  );
  // Each profile ends when its API exits: its load window ended that long before.
  const args = await Promise.all(
    (['on', 'off'] as const).map(async (name) => {
      const api = name === 'on' ? on : off;
      const { requests, endedAt } = measured.get(api)!;
      const profile = await cpuProfileIn(path.join(dir, name));
      if (options['keep-profiles']) {
        await mkdir(options['keep-profiles'], { recursive: true });
        await copyFile(profile, path.join(options['keep-profiles'], `${name}.cpuprofile`));
      }
      return [profile, requests, secondsBetween(endedAt, stopped.get(api)!)];
    }),
  );
  await printCpuPerRequest([...args.flat(), MEASURED_S]);
});

// CPU profile of POST /orders with the inline saga (observability off, as in benchmark c, or on, every
// order or one in ten traced): CPU per order by package, the saga's work after the 202 included
// (scripts/compare-cpu-profiles.js).
//
//   npm run profile:order-placement [-- --observability off|on|sampled] [--keep-profile <file>]
//
// Needs PostgreSQL as the tests do (127.0.0.1:5432 with trust authentication, or TEST_PG_ADMIN_URL).
import { copyFile } from 'node:fs/promises';
import { startApiProcess } from '../tooling/app-processes';
import { orderBody } from '../tooling/order-requests';
import {
  cpuProfileFlags,
  cpuProfileIn,
  printCpuPerRequest,
  profileOptions,
  runProfile,
  secondsBetween,
} from './support/cpu-profile';
import { cyclingJsonPosts, runLoad } from './support/load';
import { startOtlpSink } from './support/otlp-sink';
import { fillStock, waitForSagas } from './support/orders';

const CONNECTIONS = 10;
const WARMUP_S = 3;
const MEASURED_S = 10;
const CUSTOMER = 'c-1';

const USAGE = `Usage: npm run profile:order-placement [-- --observability off|on|sampled] [--keep-profile <file>]

CPU profile of POST /orders with its inline saga, one customer, ${CONNECTIONS} connections, a
${WARMUP_S} s warm-up, then ${MEASURED_S} s of load. Prints CPU per order by package, the saga's work after the 202
included.
  --observability <which> off (default): no metrics, traces or logs; on: metrics, every order traced and
                          exported over OTLP/HTTP to a local sink, info logs; sampled: as on, one trace in ten
  --keep-profile <file>   keeps the profile (default: KEEP_PROFILE), to compare two commits with
                          scripts/compare-cpu-profiles.js
Needs PostgreSQL on 127.0.0.1:5432 with trust authentication (or TEST_PG_ADMIN_URL), as the tests do.`;

const options = profileOptions(USAGE, {
  'keep-profile': { type: 'string' },
  observability: { type: 'string', default: 'off' },
});
const observability = options.observability;
if (!['off', 'on', 'sampled'].includes(observability)) {
  console.error(`--observability must be off, on or sampled\n\n${USAGE}`);
  process.exit(2);
}
const keepProfile = options['keep-profile'] ?? process.env.KEEP_PROFILE;

runProfile('orders', async ({ teardown, db, dir, keyFile, tokens, log }) => {
  log(`starting the API (observability ${observability}, inline engine)…`);
  const sink = observability === 'off' ? undefined : await startOtlpSink(teardown);
  const api = await startApiProcess(
    {
      DATABASE_URL: db.url,
      AUTH_LOCAL_KEY_FILE: keyFile,
      DATABASE_POOL_MAX: String(CONNECTIONS),
      ...(observability === 'sampled' && {
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
      }),
    },
    {
      profile: {
        kind: 'profile',
        name: 'orders',
        observability: sink ? { kind: 'on', otlpEndpoint: sink.endpoint } : { kind: 'off' },
      },
      nodeArgs: cpuProfileFlags(dir),
      // It writes its profile as it exits: let it finish shutting down.
      killAfterMs: 60_000,
      teardown,
    },
  );
  await fillStock(db);
  const requests = cyclingJsonPosts('/orders', [
    {
      body: JSON.stringify(orderBody({ items: [{ sku: 'SKU-001', quantity: 1 }] })),
      headers: await tokens.headers(CUSTOMER),
    },
  ]);
  const load = (durationS: number) =>
    runLoad({ url: api.baseUrl, connections: CONNECTIONS, durationS, requests });
  await load(WARMUP_S);
  const orders = (await load(MEASURED_S)).ok;
  const loadEndedAt = Date.now();
  await waitForSagas(db); // the sagas of the last orders finish
  await api.stop();
  const stoppedAt = Date.now();

  log(`POST /orders: ${orders} orders accepted in ${MEASURED_S} s (CPU below per order, its saga included)`);
  const profile = await cpuProfileIn(dir);
  if (keepProfile) {
    await copyFile(profile, keepProfile);
    log(`profile kept in ${keepProfile}`);
  }
  // The profile ends when the API exits: the load window ended that long before.
  await printCpuPerRequest([profile, orders, secondsBetween(loadEndedAt, stoppedAt), MEASURED_S]);
});

import autocannon from 'autocannon';
import { startApiProcess } from '../tooling/app-processes';
import { createSigningKey } from '../tooling/tokens';
import { createBenchDatabase } from './support/bench-database';
import { cyclingGets, cyclingJsonPosts } from './support/load';
import { fillStock, orderRequests, placeOrders, waitForSagas } from './support/orders';
import { startOtlpSink } from './support/otlp-sink';
import { memoryOf, slope, type MemorySample } from './support/process-memory';
import type { Log } from './support/report';
import { Teardown } from './support/teardown';

export interface SoakOptions {
  minutes: number;
  /** Requests per second of each kind, held fixed for the whole run. */
  readsPerSecond: number;
  ordersPerSecond: number;
}

export interface SoakReport {
  options: SoakOptions;
  samples: Array<{ atS: number } & MemorySample>;
  /** Growth after the warm-up (the first fifth of the run), from a least-squares fit, in MiB per minute. */
  rssSlopeMiBPerMin: number;
  heapSlopeMiBPerMin: number;
  requests: { reads: number; orders: number; non2xx: number; errors: number };
}

const MiB = 1024 * 1024;
const SAMPLE_EVERY_MS = 10_000;

/**
 * Memory under a fixed load for a long time (`npm run bench -- --soak`): the API with full observability
 * (metrics scraped, every request traced and exported, logs written) answers order reads and placements at
 * a fixed rate; RSS and V8 heap are sampled every 10 s. A leak shows as a steady slope after the warm-up.
 */
export async function soak(options: SoakOptions, log: Log): Promise<SoakReport> {
  const teardown = new Teardown();
  try {
    const db = await createBenchDatabase('bench_soak', teardown);
    const sink = await startOtlpSink(teardown);
    const { keyFile, tokens } = await createSigningKey(teardown);
    const api = await startApiProcess(
      { DATABASE_URL: db.url, AUTH_LOCAL_KEY_FILE: keyFile },
      {
        profile: {
          kind: 'benchmark',
          name: 'soak',
          observability: { kind: 'on', otlpEndpoint: sink.endpoint },
        },
        teardown,
      },
    );
    await fillStock(db);
    const placed = await placeOrders(api.baseUrl, 200, tokens);
    await waitForSagas(db);
    // Distinct customers, so the per-customer rate limit never refuses the fixed load.
    const posts = await orderRequests(Math.max(2_000, options.ordersPerSecond * 120), tokens);
    const durationS = options.minutes * 60;
    log(
      `${options.minutes} min at ${options.readsPerSecond} GET /orders/:id and ${options.ordersPerSecond} ` +
        `POST /orders per second; memory every ${SAMPLE_EVERY_MS / 1000} s`,
    );
    const started = Date.now();
    const samples: SoakReport['samples'] = [];
    const sample = async () => {
      const memory = await memoryOf(api.child.pid, api.metricsUrl);
      if (!memory) return;
      samples.push({ atS: Math.round((Date.now() - started) / 1000), ...memory });
      const heap = memory.heapUsedBytes === null ? 'n/a' : `${(memory.heapUsedBytes / MiB).toFixed(1)} MiB`;
      log(
        `${String(samples.at(-1)!.atS).padStart(4)} s: RSS ${(memory.rssBytes / MiB).toFixed(1)} MiB, heap ${heap}`,
      );
    };
    await sample();
    const timer = setInterval(() => void sample(), SAMPLE_EVERY_MS);
    const fixedRate = (requests: autocannon.Request[], rate: number) =>
      autocannon({ url: api.baseUrl, connections: 8, overallRate: rate, duration: durationS, requests });
    const [reads, orders] = await Promise.all([
      fixedRate(cyclingGets(placed), options.readsPerSecond),
      fixedRate(cyclingJsonPosts('/orders', posts), options.ordersPerSecond),
    ]);
    clearInterval(timer);
    await sample();
    const steady = samples.filter((s) => s.atS >= durationS / 5);
    const perMinute = (values: number[]) =>
      slope(
        steady.map((s) => s.atS / 60),
        values,
      ) / MiB;
    return {
      options,
      samples,
      rssSlopeMiBPerMin: perMinute(steady.map((s) => s.rssBytes)),
      heapSlopeMiBPerMin: perMinute(steady.map((s) => s.heapUsedBytes ?? 0)),
      requests: {
        reads: reads['2xx'],
        orders: orders['2xx'],
        non2xx: reads.non2xx + orders.non2xx,
        errors: reads.errors + orders.errors,
      },
    };
  } finally {
    await teardown.close();
  }
}

/** The soak as a few lines of Markdown for BENCHMARKS.md. */
export function soakMarkdown(report: SoakReport): string {
  const minute = (s: SoakReport['samples'][number]) =>
    `| ${(s.atS / 60).toFixed(1)} | ${(s.rssBytes / MiB).toFixed(1)} | ${s.heapUsedBytes === null ? 'n/a' : (s.heapUsedBytes / MiB).toFixed(1)} |`;
  const everyMinute = report.samples.filter(
    (s, i) => i === 0 || i === report.samples.length - 1 || s.atS % 60 < 10,
  );
  return [
    `Soak: ${report.options.minutes} min at ${report.options.readsPerSecond} reads/s + ${report.options.ordersPerSecond} orders/s ` +
      `(${report.requests.reads} reads and ${report.requests.orders} orders answered 2xx; ${report.requests.non2xx} non-2xx, ${report.requests.errors} errors)`,
    '',
    '| minute | RSS MiB | heap used MiB |',
    '| ---: | ---: | ---: |',
    ...everyMinute.map(minute),
    '',
    `Growth after the warm-up (least squares over the last 4/5): RSS ${report.rssSlopeMiBPerMin.toFixed(2)} MiB/min, ` +
      `heap ${report.heapSlopeMiBPerMin.toFixed(2)} MiB/min.`,
  ].join('\n');
}

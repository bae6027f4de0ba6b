import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApiProcess } from '../tooling/app-processes';
import { testCardExpiry } from '../tooling/order-requests';
import { launch } from '../tooling/processes';
import { createSigningKey } from '../tooling/tokens';
import { orderPlacementScript } from './order-placement.pgbench';
import { cliConnection, createBenchDatabase, type BenchDatabase } from './support/bench-database';
import { cyclingJsonPosts, runLoad } from './support/load';
import { fillStock, orderRequests, waitForSagas } from './support/orders';
import type { BenchResult, Log, RunSettings } from './support/report';
import { median } from './support/stats';
import { benchChild, Teardown } from './support/teardown';

/** HTTP connections = the API's connection pool = pgbench clients. */
const CONCURRENCY = 10;

/** The triggers on orders that keep the status counts, as the migrations create them. */
const STATUS_COUNT_TRIGGERS = [
  'order_status_counts_insert',
  'order_status_counts_delete',
  'order_status_counts_move',
  'order_status_counts_truncate',
];

interface AppRound {
  completedPerS: number;
  acceptedPerS: number;
  p99: number;
}

/**
 * c. Orders per second reaching COMPLETED through the API (inline saga engine, real PostgreSQL) against
 * pgbench sending the same 42 statements per order (order-placement.pgbench.ts builds the script from the
 * repositories' statements) to a database with the
 * same schema and catalog, at the same concurrency. The ratio is the share of PostgreSQL's own order
 * throughput that the application delivers. Two more sides run the script on copies of their own: one
 * without the saga's step log (its 4 upserts per order), one without the triggers that keep the order status
 * counts (`orders_by_status`), so that what each costs PostgreSQL is a ratio of the same run; the four take
 * turns, round after round.
 */
export async function orderPlacement(settings: RunSettings, log: Log): Promise<BenchResult> {
  const teardown = new Teardown();
  try {
    const scriptDir = mkdtempSync(path.join(tmpdir(), 'order-placement-pgbench-'));
    teardown.defer('pgbench script', () => rmSync(scriptDir, { recursive: true, force: true }));
    const pgbenchScript = path.join(scriptDir, 'order-placement.pgbench.sql');
    writeFileSync(pgbenchScript, orderPlacementScript());
    const noLogScript = path.join(scriptDir, 'order-placement-without-step-log.pgbench.sql');
    writeFileSync(noLogScript, orderPlacementScript({ stepLog: false }));
    const appDb = await createBenchDatabase('bench_orders_app', teardown);
    const pgbenchDb = await createBenchDatabase('bench_orders_pgbench', teardown);
    const noLogDb = await createBenchDatabase('bench_orders_pgbench_nolog', teardown);
    const noCountsDb = await createBenchDatabase('bench_orders_pgbench_nocounts', teardown);
    log('starting the API (observability off, inline engine)…');
    const { keyFile, tokens } = await createSigningKey(teardown);
    const api = await startApiProcess(
      { DATABASE_URL: appDb.url, AUTH_LOCAL_KEY_FILE: keyFile, DATABASE_POOL_MAX: String(CONCURRENCY) },
      { profile: { kind: 'benchmark', name: 'orders', observability: { kind: 'off' } }, teardown },
    );
    await fillStock(appDb);
    await copyDatabase(appDb, pgbenchDb, teardown);
    await copyDatabase(appDb, noLogDb, teardown);
    await copyDatabase(appDb, noCountsDb, teardown);
    await noCountsDb.query(STATUS_COUNT_TRIGGERS.map((name) => `DROP TRIGGER ${name} ON orders;`).join('\n'));
    const pgbenchBaseline = await workCounters(pgbenchDb); // the copy's own work is not pgbench's
    const noLogBaseline = await workCounters(noLogDb);
    const noCountsBaseline = await workCounters(noCountsDb);
    const bodies = await orderRequests(5_000, tokens);
    // Completions lag acceptances at first: each round counts only after the saga pipeline has filled.
    const rampS = Math.min(2, settings.warmupS);

    const appRound = async (durationS: number): Promise<AppRound> => {
      const marks: Promise<Date>[] = [];
      const clock = () =>
        appDb.query<{ now: Date }>('SELECT clock_timestamp() AS now').then(([row]) => row.now);
      const mark = () => {
        const at = clock();
        at.catch(() => undefined); // awaited below, once the load has ended
        marks.push(at);
      };
      const timers = [rampS, rampS + durationS].map((s) => setTimeout(mark, s * 1000));
      const result = await runLoad({
        url: api.baseUrl,
        connections: CONCURRENCY,
        durationS: rampS + durationS + 0.5,
        requests: cyclingJsonPosts('/orders', bodies),
      });
      timers.forEach(clearTimeout);
      if (marks.length < 2) throw new Error('the load ended before the measured window closed');
      const [from, to] = await Promise.all(marks);
      const [row] = await appDb.query<{ n: string }>(
        `SELECT count(*) AS n FROM order_status_history
         WHERE to_status = 'COMPLETED' AND occurred_at >= $1 AND occurred_at < $2`,
        [from, to],
      );
      await waitForSagas(appDb);
      const windowS = (to.getTime() - from.getTime()) / 1000;
      return { completedPerS: Number(row.n) / windowS, acceptedPerS: result.rps, p99: result.p99 };
    };
    const pgbenchRound = async (
      durationS: number,
      { script, db }: { script: string; db: BenchDatabase } = { script: pgbenchScript, db: pgbenchDb },
    ): Promise<number> => {
      const pgbench = launch(
        'pgbench',
        [
          '-n',
          '-M',
          'extended',
          '-D',
          `expiry_year=${testCardExpiry().expiryYear}`,
          '-f',
          script,
          '-c',
          String(CONCURRENCY),
          '-T',
          String(durationS),
          ...cliConnection(db.name),
        ],
        { ...benchChild(teardown), stdout: 'pipe', name: 'pgbench' },
      );
      const code = await pgbench.exited;
      const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(pgbench.output());
      if (code !== 0 || !tps) throw new Error(`pgbench failed (${code}):\n${pgbench.output()}`);
      return Number(tps[1]);
    };

    const variants = {
      pgbench: { script: pgbenchScript, db: pgbenchDb },
      'pgbench without step log': { script: noLogScript, db: noLogDb },
      'pgbench without status count triggers': { script: pgbenchScript, db: noCountsDb },
    } as const;
    type Variant = keyof typeof variants;

    await appRound(settings.warmupS);
    for (const variant of Object.values(variants)) await pgbenchRound(settings.warmupS, variant);
    const app: AppRound[] = [];
    const tpsOf: Record<Variant, number[]> = {
      pgbench: [],
      'pgbench without step log': [],
      'pgbench without status count triggers': [],
    };
    const rounds: unknown[] = [];
    const sides = ['app', ...(Object.keys(variants) as Variant[])] as const;
    for (let round = 0; round < settings.rounds; round += 1) {
      // A B C, B C A, C A B, …: no side always runs first.
      const order = sides.map((_, i) => sides[(i + round) % sides.length]);
      for (const who of order) {
        if (who === 'app') {
          const result = await appRound(settings.roundS);
          app.push(result);
          rounds.push({ round: round + 1, who, ...result });
          log(
            `round ${round + 1}/${settings.rounds} app: ${result.completedPerS.toFixed(0)} orders/s COMPLETED ` +
              `(${result.acceptedPerS.toFixed(0)} POST /orders answered 202 per s, p99 ${result.p99} ms)`,
          );
        } else {
          const tps = await pgbenchRound(settings.roundS, variants[who]);
          tpsOf[who].push(tps);
          rounds.push({ round: round + 1, who, ordersPerS: tps });
          log(`round ${round + 1}/${settings.rounds} ${who}: ${tps.toFixed(0)} orders/s`);
        }
      }
    }

    await api.stop(); // its connections close, so PostgreSQL's per-database counters are complete
    await sleep(500);
    const appWork = perOrder(await workCounters(appDb));
    const pgbenchWork = perOrder(await workCounters(pgbenchDb), pgbenchBaseline);
    const noLogWork = perOrder(await workCounters(noLogDb), noLogBaseline);
    const noCountsWork = perOrder(await workCounters(noCountsDb), noCountsBaseline);
    const appRate = median(app.map((r) => r.completedPerS));
    const pgbenchRate = median(tpsOf.pgbench);
    const noLogRate = median(tpsOf['pgbench without step log']);
    const noCountsRate = median(tpsOf['pgbench without status count triggers']);
    return {
      id: 'c',
      title: 'Order placement',
      settings: {
        concurrency: `${CONCURRENCY} (HTTP connections, pool size, pgbench clients)`,
        'warm-up': `${settings.warmupS} s`,
        rounds: `${settings.rounds} × ${settings.roundS} s each`,
      },
      ratios: [
        { name: 'orders/s COMPLETED: app / pgbench', value: appRate / pgbenchRate },
        { name: 'pgbench orders/s: with step log / without', value: pgbenchRate / noLogRate },
        { name: 'pgbench orders/s: with status count triggers / without', value: pgbenchRate / noCountsRate },
      ],
      figures: [
        { name: 'app: orders reaching COMPLETED', value: appRate, unit: 'orders/s' },
        { name: 'pgbench: same statements', value: pgbenchRate, unit: 'orders/s' },
        { name: 'pgbench: same statements without the step log', value: noLogRate, unit: 'orders/s' },
        {
          name: 'pgbench: same statements without the status count triggers',
          value: noCountsRate,
          unit: 'orders/s',
        },
        { name: 'app: POST /orders accepted', value: median(app.map((r) => r.acceptedPerS)), unit: 'req/s' },
        { name: 'app: POST /orders p99', value: median(app.map((r) => r.p99)), unit: 'ms' },
        { name: 'transactions per order: app', value: appWork.transactions, unit: '' },
        { name: 'transactions per order: pgbench', value: pgbenchWork.transactions, unit: '' },
        { name: 'transactions per order: pgbench without step log', value: noLogWork.transactions, unit: '' },
        {
          name: 'transactions per order: pgbench without status count triggers',
          value: noCountsWork.transactions,
          unit: '',
        },
        { name: 'rows inserted per order: app', value: appWork.inserted, unit: '' },
        { name: 'rows inserted per order: pgbench', value: pgbenchWork.inserted, unit: '' },
        { name: 'rows inserted per order: pgbench without step log', value: noLogWork.inserted, unit: '' },
        {
          name: 'rows inserted per order: pgbench without status count triggers',
          value: noCountsWork.inserted,
          unit: '',
        },
        { name: 'rows updated per order: app', value: appWork.updated, unit: '' },
        { name: 'rows updated per order: pgbench', value: pgbenchWork.updated, unit: '' },
        { name: 'rows updated per order: pgbench without step log', value: noLogWork.updated, unit: '' },
        {
          name: 'rows updated per order: pgbench without status count triggers',
          value: noCountsWork.updated,
          unit: '',
        },
      ],
      notes: [
        'app orders/s count status changes to COMPLETED inside each measured window, after a ramp-up of ' +
          `${rampS} s; pgbench runs \`pgbench -n -M extended -D expiry_year=${testCardExpiry().expiryYear} -f <order-placement.pgbench.ts's script> -c ${CONCURRENCY} -T ${settings.roundS}\``,
        'pgbench without step log runs the same command with `orderPlacementScript({ stepLog: false })` ' +
          '(the 4 order_saga_steps upserts left out) on a copy of its own',
        'pgbench without status count triggers runs the same command on a copy of its own without the ' +
          `triggers on orders that write the status count deltas (${STATUS_COUNT_TRIGGERS.join(', ')})`,
      ],
      rounds,
    };
  } finally {
    await teardown.close();
  }
}

/** The API's schema, migrations table and catalog (with its stock) copied into `to` with pg_dump. */
async function copyDatabase(from: BenchDatabase, to: BenchDatabase, teardown: Teardown): Promise<void> {
  const quote = (args: string[]) => args.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  const copy = launch(
    'bash',
    [
      '-o',
      'pipefail',
      '-c',
      `pg_dump --no-owner --no-privileges ${quote(cliConnection(from.name))} | ` +
        `psql -q -v ON_ERROR_STOP=1 ${quote(cliConnection(to.name))}`,
    ],
    { ...benchChild(teardown), stdout: 'pipe', name: 'pg_dump | psql' },
  );
  const code = await copy.exited;
  if (code !== 0) throw new Error(`copying ${from.name} into ${to.name} failed (${code}):\n${copy.output()}`);
}

interface WorkCounters {
  orders: number;
  transactions: number;
  inserted: number;
  updated: number;
}

/**
 * PostgreSQL's own counters for the database: committed transactions, and rows inserted and updated in
 * its tables (pg_stat_user_tables, so the catalog changes of migrations do not count). Complete once the
 * connections that did the work have closed.
 */
async function workCounters(db: BenchDatabase): Promise<WorkCounters> {
  const [row] = await db.query<Record<keyof WorkCounters, string>>(
    `SELECT (SELECT count(*) FROM orders) AS orders,
            (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS transactions,
            (SELECT sum(n_tup_ins) FROM pg_stat_user_tables) AS inserted,
            (SELECT sum(n_tup_upd) FROM pg_stat_user_tables) AS updated`,
  );
  return {
    orders: Number(row.orders),
    transactions: Number(row.transactions),
    inserted: Number(row.inserted),
    updated: Number(row.updated),
  };
}

/** Work per order since `baseline` (for the API: since the database was created, migrations included). */
function perOrder(
  now: WorkCounters,
  baseline: WorkCounters = { orders: 0, transactions: 0, inserted: 0, updated: 0 },
): Omit<WorkCounters, 'orders'> {
  const orders = Math.max(1, now.orders - baseline.orders);
  return {
    transactions: (now.transactions - baseline.transactions) / orders,
    inserted: (now.inserted - baseline.inserted) / orders,
    updated: (now.updated - baseline.updated) / orders,
  };
}

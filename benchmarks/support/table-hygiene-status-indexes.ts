import { MIGRATIONS, runPendingMigrations } from '@app/database';
import { NON_TERMINAL_STATUSES, ORDERS_SQL } from '@app/orders';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { Log } from './report';
import { median } from './stats';
import type { ScratchCluster, ScratchDatabase } from './table-hygiene-cluster';
import { fillOrders } from './table-hygiene-fill';

/** A shape of the `orders` table: indexes dropped from the migrated schema, a fillfactor. */
export interface OrdersVariant {
  name: string;
  drop: string[];
  fillfactor?: number;
}

/**
 * The two indexes a status change writes to besides the table's others: `orders_status_created` has the
 * status in its key, `orders_unfinished_updated` in its predicate and `updated_at` (set by every update of
 * an order) in its key. Either one makes every status change a non-HOT update.
 */
export const ORDERS_VARIANTS: OrdersVariant[] = [
  { name: 'all indexes (as migrated)', drop: [] },
  { name: 'without orders_status_created', drop: ['orders_status_created'] },
  { name: 'without orders_unfinished_updated', drop: ['orders_unfinished_updated'] },
  { name: 'without both', drop: ['orders_status_created', 'orders_unfinished_updated'] },
  {
    name: 'without both, fillfactor 90',
    drop: ['orders_status_created', 'orders_unfinished_updated'],
    fillfactor: 90,
  },
];

/**
 * The updates the saga makes to one order on its way to COMPLETED, each its own statement and transaction
 * as in the application: the repository's own statements (`ORDERS_SQL`).
 */
const SAGA_UPDATES: Array<(id: string) => [string, unknown[]]> = [
  (id) => [ORDERS_SQL.move, [id, 'INVENTORY_RESERVED']],
  (id) => [ORDERS_SQL.move, [id, 'PAID']],
  (id) => [ORDERS_SQL.claimForShipping, [id]],
  (id) => [ORDERS_SQL.move, [id, 'SHIPPED']],
  (id) => [ORDERS_SQL.move, [id, 'COMPLETED']],
];

/** The reads the two indexes serve, with parameters as the application binds them. */
export const ORDERS_READS: Array<{ name: string; sql: string; params: () => unknown[] }> = [
  {
    name: "a customer's orders of one status (GET /orders?status=COMPLETED)",
    sql: ORDERS_SQL.page,
    params: () => ['c-42', 'COMPLETED', null, null, 21],
  },
  {
    name: 'operator search, one status (GET /admin/orders?status=FAILED)',
    sql: ORDERS_SQL.search,
    params: () => [null, 'FAILED', null, null, null, null, null, null, null, 51],
  },
  {
    name: 'operator search, unfinished statuses (?status=PENDING&status=PAID)',
    sql: ORDERS_SQL.search,
    params: () => [['PENDING', 'PAID'], null, null, null, null, null, null, null, null, 51],
  },
  {
    name: 'stuck orders (GET /admin/orders/stuck, the reconciliation job)',
    sql: ORDERS_SQL.unfinished,
    params: () => [NON_TERMINAL_STATUSES, new Date(Date.now() - 15 * 60_000), null, 100],
  },
  {
    name: 'orders_oldest_unfinished_age_seconds (every scrape)',
    sql: ORDERS_SQL.oldestUnfinishedAge,
    params: () => [NON_TERMINAL_STATUSES],
  },
];

export interface ExperimentOptions {
  /** Orders in the table before the measured ones (finished, over 30 days; 500 in flight, 25 stuck). */
  baseOrders: number;
  /** Orders inserted PENDING then moved to COMPLETED, per variant and round. */
  newOrders: number;
  rounds: number;
  /** Connections updating at once. */
  clients: number;
}

/** One read in one variant: the indexes its plan uses and the buffers it touched. */
export interface ReadPlan {
  read: string;
  indexes: string[];
  /** Shared buffers hit or read (a count, whatever the machine's speed). */
  buffers: number;
  rows: number;
}

export interface VariantResult {
  variant: string;
  fillfactor?: number;
  updates: number;
  /** Median over rounds. */
  updatesPerSecond: number;
  hotPercent: number;
  /** WAL per update (every index entry and page image included), median over rounds. */
  walBytesPerUpdate: number;
  /** Growth of the table and of each index per 1,000 updates, median over rounds. */
  heapBytesPer1000: number;
  indexBytesPer1000: Record<string, number>;
  reads: ReadPlan[];
  rounds: Array<{ updatesPerSecond: number; hotPercent: number; walBytes: number; updates: number }>;
}

export interface StatusIndexReport {
  options: ExperimentOptions;
  variants: VariantResult[];
}

/**
 * What the status indexes cost the order updates, and what they save the reads. A database with the
 * migrated schema and `baseOrders` orders is copied once per variant and round; in each copy the
 * variant's indexes are dropped, `newOrders` orders are inserted PENDING, and `clients` connections move
 * each through the saga's five updates (the repository's statements) after a checkpoint. Counted: HOT
 * updates, WAL bytes, growth of the table and of each index; timed: updates per second (the variants take
 * turns, each round in another order; the median is kept). Autovacuum is off on the experiment's tables,
 * so that the WAL is the updates' own. The reads are planned and run once per variant (EXPLAIN ANALYZE,
 * BUFFERS) on the copy before its updates.
 */
export async function statusIndexExperiment(
  cluster: ScratchCluster,
  options: ExperimentOptions,
  log: Log,
): Promise<StatusIndexReport> {
  const template = await cluster.createDatabase('bench_hygiene_orders');
  try {
    log(`status indexes: migrating and filling ${options.baseOrders.toLocaleString('en-US')} orders…`);
    await migrate(template.url);
    await fillOrders(template, { orders: options.baseOrders, inFlight: 500, payments: false });
    // The updates' WAL is theirs alone: no autovacuum of the tables they write.
    for (const table of ['orders', 'order_status_count_deltas'])
      await template.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    const perVariant = new Map<string, Array<Measured>>(ORDERS_VARIANTS.map((v) => [v.name, []]));
    const reads = new Map<string, ReadPlan[]>();
    for (let round = 0; round < options.rounds; round++) {
      const order = ORDERS_VARIANTS.map((_, i) => ORDERS_VARIANTS[(i + round) % ORDERS_VARIANTS.length]);
      for (const variant of order) {
        const db = await cluster.createDatabase('bench_hygiene_variant', template.name);
        try {
          for (const index of variant.drop) await db.query(`DROP INDEX ${index}`);
          if (variant.fillfactor !== undefined)
            await db.query(`ALTER TABLE orders SET (fillfactor = ${variant.fillfactor})`);
          if (round === 0) reads.set(variant.name, await planReads(db.url));
          const measured = await measureUpdates(cluster, db, options);
          perVariant.get(variant.name)!.push(measured);
          log(
            `status indexes, round ${round + 1}/${options.rounds}, ${variant.name}: ` +
              `${Math.round(measured.updatesPerSecond)} updates/s, HOT ${measured.hotPercent.toFixed(1)} %, ` +
              `${Math.round(measured.walBytes / measured.updates)} WAL bytes per update`,
          );
        } finally {
          await db.drop();
        }
      }
    }
    return {
      options,
      variants: ORDERS_VARIANTS.map((variant) => {
        const rounds = perVariant.get(variant.name)!;
        const indexNames = Object.keys(rounds[0].indexBytes);
        return {
          variant: variant.name,
          ...(variant.fillfactor === undefined ? {} : { fillfactor: variant.fillfactor }),
          updates: rounds[0].updates,
          updatesPerSecond: median(rounds.map((r) => r.updatesPerSecond)),
          hotPercent: median(rounds.map((r) => r.hotPercent)),
          walBytesPerUpdate: median(rounds.map((r) => r.walBytes / r.updates)),
          heapBytesPer1000: median(rounds.map((r) => (1000 * r.heapBytes) / r.updates)),
          indexBytesPer1000: Object.fromEntries(
            indexNames.map((name) => [
              name,
              median(rounds.map((r) => (1000 * (r.indexBytes[name] ?? 0)) / r.updates)),
            ]),
          ),
          reads: reads.get(variant.name) ?? [],
          rounds: rounds.map((r) => ({
            updatesPerSecond: Math.round(r.updatesPerSecond),
            hotPercent: Math.round(r.hotPercent * 10) / 10,
            walBytes: r.walBytes,
            updates: r.updates,
          })),
        };
      }),
    };
  } finally {
    await template.drop();
  }
}

interface Measured {
  updates: number;
  updatesPerSecond: number;
  hotPercent: number;
  walBytes: number;
  heapBytes: number;
  /** Growth of each index of orders, in bytes. */
  indexBytes: Record<string, number>;
}

async function migrate(url: string): Promise<void> {
  Logger.overrideLogger(['error', 'warn']); // the migrations' summary line is not the benchmark's output
  const source = await new DataSource({ type: 'postgres', url, migrations: MIGRATIONS }).initialize();
  try {
    await runPendingMigrations(source);
  } finally {
    await source.destroy();
  }
}

/** Inserts the new orders, then times their updates; every count is read after the connections closed. */
async function measureUpdates(
  cluster: ScratchCluster,
  db: ScratchDatabase,
  options: ExperimentOptions,
): Promise<Measured> {
  const ids = (
    await db.query<{ id: string }>(
      `INSERT INTO orders (id, customer_id, request_fingerprint, status, currency, total_amount, shipping_address)
       SELECT gen_random_uuid(), 'c-new-' || i, repeat('0', 64), 'PENDING', 'EUR', 2500,
              '{"name":"Ada","line1":"1 Main St","city":"Berlin","postalCode":"10115","country":"DE"}'
         FROM generate_series(1, $1) AS i
       RETURNING id`,
      [options.newOrders],
    )
  ).map((row) => row.id);
  await cluster.checkpoint();
  const before = await ordersFootprint(db);
  const walBefore = await cluster.walPosition();
  const clients = await Promise.all(
    Array.from({ length: options.clients }, async () => {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      return client;
    }),
  );
  let next = 0;
  const started = performance.now();
  try {
    await Promise.all(
      clients.map(async (client) => {
        while (next < ids.length) {
          const id = ids[next++];
          for (const update of SAGA_UPDATES) await client.query(...update(id));
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
  const seconds = (performance.now() - started) / 1000;
  const walBytes = Number((await cluster.walPosition()) - walBefore);
  const after = await ordersFootprint(db);
  const updates = after.updated - before.updated;
  return {
    updates,
    updatesPerSecond: (ids.length * SAGA_UPDATES.length) / seconds,
    hotPercent: updates > 0 ? (100 * (after.hotUpdated - before.hotUpdated)) / updates : 0,
    walBytes,
    heapBytes: after.heapBytes - before.heapBytes,
    indexBytes: Object.fromEntries(
      Object.entries(after.indexBytes).map(([name, bytes]) => [name, bytes - (before.indexBytes[name] ?? 0)]),
    ),
  };
}

async function ordersFootprint(db: ScratchDatabase): Promise<{
  updated: number;
  hotUpdated: number;
  heapBytes: number;
  indexBytes: Record<string, number>;
}> {
  const [table] = await db.query<{ updated: string; hot: string; heap: string }>(
    `SELECT n_tup_upd AS updated, n_tup_hot_upd AS hot, pg_relation_size(relid) AS heap
       FROM pg_stat_user_tables WHERE relname = 'orders'`,
  );
  const indexes = await db.query<{ name: string; bytes: string }>(
    `SELECT indexrelname AS name, pg_relation_size(indexrelid) AS bytes
       FROM pg_stat_user_indexes WHERE relname = 'orders' ORDER BY indexrelname`,
  );
  return {
    updated: Number(table.updated),
    hotUpdated: Number(table.hot),
    heapBytes: Number(table.heap),
    indexBytes: Object.fromEntries(indexes.map((i) => [i.name, Number(i.bytes)])),
  };
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

/** Each read planned and run with its parameters bound (as the application sends them): indexes, buffers. */
export async function planReads(url: string): Promise<ReadPlan[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const plans: ReadPlan[] = [];
    for (const read of ORDERS_READS) {
      const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${read.sql}`,
        read.params(),
      );
      const plan = rows[0]['QUERY PLAN'][0].Plan;
      const indexes = new Set<string>();
      const walk = (node: PlanNode) => {
        if (node['Index Name']) indexes.add(node['Index Name']);
        else if (/Seq Scan/.test(node['Node Type'])) indexes.add('seq scan');
        node.Plans?.forEach(walk);
      };
      walk(plan);
      plans.push({
        read: read.name,
        indexes: [...indexes],
        buffers: (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0),
        rows: plan['Actual Rows'] ?? 0,
      });
    }
    return plans;
  } finally {
    await client.end();
  }
}

import { ADVISORY_LOCKS, DatabaseGaugesLease, DatabaseGaugesModule, MIGRATIONS } from '@app/database';
import { METRICS_ENABLED } from '@app/observability';
import { Global, Logger, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { Client } from 'pg';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../tooling/database';
import { parseExposition, valueOf, type Exposition } from '../../../../tooling/prometheus-text';
import { ORDER_STATUSES } from '../order-status';
import { OrderStatusCountsMaintenance } from './order-status-counts.maintenance';
import { orderStatusCountProviders } from './order-status-counts.providers';

/** The namespace of the apps' advisory locks ("ORDR"), as another replica would take the lease. */
const LOCK_NAMESPACE = 0x4f524452;
const COUNTS_TABLES = [
  'order_status_count_deltas',
  'order_status_count_reconciliation',
  'order_status_counts',
];

/** `METRICS_ENABLED` for every module, as ObservabilityModule provides it. */
@Global()
@Module({})
class MetricsSwitch {
  static forRoot(enabled: boolean): DynamicModule {
    return {
      module: MetricsSwitch,
      providers: [{ provide: METRICS_ENABLED, useValue: enabled }],
      exports: [METRICS_ENABLED],
    };
  }
}

/**
 * `orders_by_status` and its maintenance as the API runs them: the database gauges lease on a real
 * PostgreSQL decides which process exports, folds and reconciles.
 */
describe('OrderStatusCountsMaintenance (real PostgreSQL, database gauges lease)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let app: INestApplication | undefined;

  const start = async ({ metricsEnabled }: { metricsEnabled?: boolean } = {}) => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        DatabaseGaugesModule.forRoot({ url: db.url, leaseIntervalMs: 100 }),
        ...(metricsEnabled === undefined ? [] : [MetricsSwitch.forRoot(metricsEnabled)]),
      ],
      providers: [
        { provide: getDataSourceToken(), useValue: dataSource },
        // The timer never fires during a test: each round is run by the test.
        ...orderStatusCountProviders({ foldIntervalMs: 3_600_000, reconcileIntervalSeconds: 3_600 }),
      ],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.init();
    return { maintenance: app.get(OrderStatusCountsMaintenance), lease: app.get(DatabaseGaugesLease) };
  };
  const scrape = async (): Promise<Exposition> => parseExposition(await register.metrics());
  const insertOrders = (n: number, status: string) =>
    dataSource.query(
      `INSERT INTO orders (id, customer_id, request_fingerprint, status, currency, total_amount, shipping_address)
       SELECT gen_random_uuid(), 'maintenance-spec', $1, $2, 'EUR', 1, '{}' FROM generate_series(1, $3)`,
      ['m'.repeat(64), status, n],
    );
  const actual = async (): Promise<Record<string, number>> => {
    const rows = await dataSource.query<Array<{ status: string; n: number }>>(
      'SELECT status, count(*)::int AS n FROM orders GROUP BY status',
    );
    return Object.fromEntries(
      ORDER_STATUSES.map((status) => [status, rows.find((r) => r.status === status)?.n ?? 0]),
    );
  };
  const deltaRows = async () =>
    Number((await dataSource.query('SELECT count(*) AS n FROM order_status_count_deltas'))[0].n);
  const makeReconciliationDue = () =>
    dataSource.query(
      `UPDATE order_status_count_reconciliation SET reconciled_at = now() - interval '2 hours'`,
    );
  const reconciliations = async () =>
    valueOf(await scrape(), 'orders_by_status_reconciliation_duration_seconds_count');

  beforeAll(async () => {
    db = await createTestDatabase('order_status_counts_maintenance_spec');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS, poolSize: 4 });
    await dataSource.initialize();
    await dataSource.runMigrations();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });
  beforeEach(async () => {
    register.clear();
    await dataSource.query('DELETE FROM orders');
    await insertOrders(3, 'PENDING');
    await insertOrders(2, 'COMPLETED');
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    register.clear();
    jest.restoreAllMocks();
  });

  it('exports every status from the kept counts on the lease holder, reading none of the orders', async () => {
    const { lease } = await start();
    expect(lease.held).toBe(true);
    const statements: string[] = [];
    const query = dataSource.query.bind(dataSource);
    jest.spyOn(dataSource, 'query').mockImplementation((sql: string, ...rest) => {
      statements.push(sql);
      return query(sql, ...rest);
    });

    const exposition = await scrape();
    jest.restoreAllMocks();

    const truth = await actual();
    const series = exposition.samples.filter((s) => s.name === 'orders_by_status');
    expect(series.map((s) => s.labels.status).sort()).toEqual([...ORDER_STATUSES].sort());
    for (const status of ORDER_STATUSES)
      expect({ status, value: valueOf(exposition, 'orders_by_status', { status }) }).toEqual({
        status,
        value: truth[status],
      });
    expect(valueOf(exposition, 'orders_by_status_last_reconciliation_timestamp_seconds')).toBeGreaterThan(
      Date.now() / 1000 - 600,
    );
    // What the scrape ran, and what PostgreSQL would read for it: the counts tables, never orders.
    expect(statements.length).toBeGreaterThan(0);
    for (const sql of statements) {
      const [{ 'QUERY PLAN': plan }] = await dataSource.query(`EXPLAIN (FORMAT JSON) ${sql}`);
      const relations = JSON.stringify(plan).match(/"Relation Name":"[a-z_]+"/g) ?? [];
      expect(relations.length).toBeGreaterThan(0);
      for (const relation of relations)
        expect(COUNTS_TABLES).toContain(relation.replace(/^"Relation Name":"|"$/g, ''));
    }
  });

  it('folds at every round, and reconciles only when due', async () => {
    const { maintenance } = await start();
    expect(await deltaRows()).toBeGreaterThan(0);

    await maintenance.runOnce();

    expect(await deltaRows()).toBe(0);
    expect(await reconciliations()).toBe(0); // the migration's backfill counts as the last one, just now
  });

  it('corrects the drift when a reconciliation is due, counts it and logs it at warn', async () => {
    await dataSource.query(`UPDATE order_status_counts SET count = count + 4 WHERE status = 'PENDING'`);
    await dataSource.query(`UPDATE order_status_counts SET count = count - 1 WHERE status = 'COMPLETED'`);
    await makeReconciliationDue();
    const { maintenance } = await start();
    const warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    await maintenance.runOnce();

    const exposition = await scrape();
    const truth = await actual();
    for (const status of ORDER_STATUSES)
      expect({ status, value: valueOf(exposition, 'orders_by_status', { status }) }).toEqual({
        status,
        value: truth[status],
      });
    expect(valueOf(exposition, 'orders_by_status_drift_total', { status: 'PENDING' })).toBe(4);
    expect(valueOf(exposition, 'orders_by_status_drift_total', { status: 'COMPLETED' })).toBe(1);
    expect(
      exposition.samples.filter((s) => s.name === 'orders_by_status_drift_total').map((s) => s.labels.status),
    ).toHaveLength(ORDER_STATUSES.length);
    expect(valueOf(exposition, 'orders_by_status_drift_total', { status: 'PAID' })).toBe(0);
    expect(valueOf(exposition, 'orders_by_status_reconciliation_duration_seconds_count')).toBe(1);
    expect(valueOf(exposition, 'orders_by_status_last_reconciliation_timestamp_seconds')).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );
    expect(warnings).toHaveBeenCalledTimes(1);
    expect(warnings.mock.calls[0][0]).toMatchObject({
      message: expect.stringContaining('COMPLETED +1, PENDING -4'),
      'order_status_counts.drift': { PENDING: -4, COMPLETED: 1 },
    });
    // The corrections are deltas, folded at the next round, which does not reconcile again.
    expect(await deltaRows()).toBe(2);
    await maintenance.runOnce();
    expect(await deltaRows()).toBe(0);
    expect(await reconciliations()).toBe(1);
    expect(warnings).toHaveBeenCalledTimes(1);
  });

  it('leaves folding and reconciling to the replica that holds the lease', async () => {
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, ADVISORY_LOCKS.databaseGauges]);
      const { maintenance, lease } = await start();
      expect(lease.held).toBe(false);
      await makeReconciliationDue();
      const deltas = await deltaRows();

      await maintenance.runOnce();

      expect(await deltaRows()).toBe(deltas);
      expect(await reconciliations()).toBe(0);
      expect((await scrape()).samples.filter((s) => s.name === 'orders_by_status')).toEqual([]);
    } finally {
      await other.end();
    }
  });

  it('with metrics off (no lease is taken) folds on every replica and reconciles on none', async () => {
    const { maintenance, lease } = await start({ metricsEnabled: false });
    expect(lease.held).toBe(false);
    await makeReconciliationDue();
    await dataSource.query(`UPDATE order_status_counts SET count = count + 1 WHERE status = 'PENDING'`);

    await maintenance.runOnce();

    expect(await deltaRows()).toBe(0);
    expect(await reconciliations()).toBe(0);
  });
});

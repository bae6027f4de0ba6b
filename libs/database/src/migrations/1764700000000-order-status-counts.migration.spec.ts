import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../tooling/database';
import { waitFor } from '../../../../tooling/wait-for';
import { OrderStatusCounts1764700000000 } from './1764700000000-order-status-counts.migration';
import { MIGRATIONS } from './index';

/** The migrations before this one, and up to it: the schema as it was, and as this migration leaves it. */
const BEFORE = MIGRATIONS.slice(0, MIGRATIONS.indexOf(OrderStatusCounts1764700000000));
const UP_TO = [...BEFORE, OrderStatusCounts1764700000000];

/** Orders per status: counted, and as kept (totals plus deltas), in one snapshot. */
const COMPARED = `WITH actual AS (SELECT status, count(*)::int AS n FROM orders GROUP BY status),
kept AS (SELECT status, sum(n)::int AS n FROM (SELECT status, count AS n FROM order_status_counts
           UNION ALL SELECT status, delta FROM order_status_count_deltas) k GROUP BY status)
SELECT status, COALESCE(a.n, 0) AS actual, COALESCE(k.n, 0) AS kept
  FROM actual a FULL JOIN kept k USING (status) ORDER BY status`;

const INSERT_ORDERS = `INSERT INTO orders (id, customer_id, request_fingerprint, status, currency, total_amount, shipping_address)
SELECT gen_random_uuid(), 'migration-spec', repeat('f', 64), $1, 'EUR', 1, '{}' FROM generate_series(1, $2)`;

/** The migration that starts keeping orders per status, on a database that already holds orders. */
describe('the order status counts migration', () => {
  let db: TestDatabase;
  const open = async (migrations: typeof MIGRATIONS) => {
    const dataSource = new DataSource({
      type: 'postgres',
      url: db.url,
      migrations,
      migrationsTransactionMode: 'each',
    });
    await dataSource.initialize();
    return dataSource;
  };
  const client = async () => {
    const connection = new Client({ connectionString: db.url });
    await connection.connect();
    return connection;
  };

  beforeEach(async () => {
    db = await createTestDatabase('order_status_counts_migration_spec');
    const before = await open(BEFORE);
    try {
      await before.runMigrations();
      await before.query(INSERT_ORDERS, ['COMPLETED', 40]);
      await before.query(INSERT_ORDERS, ['FAILED', 3]);
      await before.query(INSERT_ORDERS, ['PENDING', 2]);
    } finally {
      await before.destroy();
    }
  });
  afterEach(async () => {
    await db?.drop();
  });

  it('backfills the totals from the orders there are, and records them as reconciled', async () => {
    const dataSource = await open(UP_TO);
    try {
      await dataSource.runMigrations();
      expect(
        await dataSource.query('SELECT status, count::int FROM order_status_counts ORDER BY status'),
      ).toEqual([
        { status: 'COMPLETED', count: 40 },
        { status: 'FAILED', count: 3 },
        { status: 'PENDING', count: 2 },
      ]);
      const [reconciliation] = await dataSource.query(
        "SELECT now() - reconciled_at < interval '1 minute' AS recent, drift FROM order_status_count_reconciliation",
      );
      expect(reconciliation).toEqual({ recent: true, drift: {} });
    } finally {
      await dataSource.destroy();
    }
  });

  it('counts every order once when orders are written while it runs', async () => {
    // A transaction that placed an order before the migration started, still open: no trigger saw it.
    const early = await client();
    await early.query('BEGIN');
    await early.query(INSERT_ORDERS, ['PENDING', 1]);
    const dataSource = await open(UP_TO);
    const late = await client();
    try {
      const migrating = dataSource.runMigrations();
      // Creating the triggers waits for the open transaction. (Asked on a connection of its own: one in a
      // transaction would keep reading the statements it saw first.)
      const blocked = () =>
        db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%CREATE TRIGGER%'`,
        );
      await waitFor(blocked, ([row]) => row.n === 1, 10_000);
      // A transaction that starts now waits for the migration, then fires the triggers.
      await late.query('BEGIN');
      const lateInsert = late.query(INSERT_ORDERS, ['PAID', 2]);
      await early.query(INSERT_ORDERS, ['CANCELLED', 1]);
      await early.query('COMMIT');
      await migrating;
      await lateInsert;
      await late.query('COMMIT');

      const compared = await dataSource.query(COMPARED);
      expect(compared).toEqual([
        { status: 'CANCELLED', actual: 1, kept: 1 },
        { status: 'COMPLETED', actual: 40, kept: 40 },
        { status: 'FAILED', actual: 3, kept: 3 },
        { status: 'PAID', actual: 2, kept: 2 },
        { status: 'PENDING', actual: 3, kept: 3 },
      ]);
    } finally {
      await early.end().catch(() => undefined);
      await late.end().catch(() => undefined);
      await dataSource.destroy();
    }
  });

  it('is undone by down: no trigger, function or table is left', async () => {
    const dataSource = await open(UP_TO);
    try {
      await dataSource.runMigrations();
      await dataSource.undoLastMigration();
      const [left] = await dataSource.query(`SELECT
          (SELECT count(*)::int FROM pg_trigger WHERE tgname LIKE 'order_status_counts%') AS triggers,
          (SELECT count(*)::int FROM pg_proc WHERE proname LIKE 'order_status_counts%') AS functions,
          (SELECT count(*)::int FROM pg_tables WHERE tablename LIKE 'order_status_count%') AS tables`);
      expect(left).toEqual({ triggers: 0, functions: 0, tables: 0 });
      await dataSource.query(INSERT_ORDERS, ['PENDING', 1]);
    } finally {
      await dataSource.destroy();
    }
  });
});

import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../tooling/database';
import { AutovacuumSettings1764900000000 } from './1764900000000-autovacuum-settings.migration';
import { MIGRATIONS } from './index';

const BEFORE = MIGRATIONS.filter((migration) => migration !== AutovacuumSettings1764900000000);

const STORAGE_PARAMETERS = `SELECT relname, reloptions FROM pg_class
 WHERE relname = ANY ($1) AND relkind = 'r' ORDER BY relname`;

/** The migration that sets the autovacuum thresholds of the tables the order flow updates. */
describe('the autovacuum settings migration', () => {
  let db: TestDatabase;
  const open = async (migrations: typeof MIGRATIONS) => {
    const dataSource = new DataSource({
      type: 'postgres',
      url: db.url,
      migrations,
      migrationsTransactionMode: 'each',
      // A lock that waited on the writers would fail the migration instead of hanging the test.
      extra: { options: '-c lock_timeout=3000' },
    });
    await dataSource.initialize();
    return dataSource;
  };

  beforeEach(async () => {
    db = await createTestDatabase('autovacuum_settings_migration_spec');
    const before = await open(BEFORE);
    try {
      await before.runMigrations();
      await before.query(
        `INSERT INTO orders (id, customer_id, request_fingerprint, status, currency, total_amount, shipping_address)
         SELECT gen_random_uuid(), 'migration-spec', repeat('f', 64), 'PENDING', 'EUR', 1, '{}' FROM generate_series(1, 3)`,
      );
    } finally {
      await before.destroy();
    }
  });
  afterEach(async () => {
    await db?.drop();
  });

  it('sets the thresholds on orders and webhook_deliveries only, while an order is being updated', async () => {
    const writer = new Client({ connectionString: db.url });
    await writer.connect();
    const dataSource = await open(MIGRATIONS);
    try {
      await writer.query('BEGIN');
      await writer.query(
        "UPDATE orders SET status = 'PAID', updated_at = now() WHERE customer_id = 'migration-spec'",
      );
      const ran = await dataSource.runMigrations();
      expect(ran.map((migration) => migration.name)).toEqual(['AutovacuumSettings1764900000000']);
      await writer.query('COMMIT');

      expect(
        await dataSource.query(STORAGE_PARAMETERS, [
          ['orders', 'payments', 'products', 'webhook_deliveries'],
        ]),
      ).toEqual([
        {
          relname: 'orders',
          reloptions: [
            'autovacuum_vacuum_scale_factor=0.01',
            'autovacuum_vacuum_threshold=1000',
            'autovacuum_analyze_scale_factor=0.02',
            'autovacuum_analyze_threshold=1000',
          ],
        },
        { relname: 'payments', reloptions: null },
        { relname: 'products', reloptions: null },
        {
          relname: 'webhook_deliveries',
          reloptions: [
            'autovacuum_vacuum_scale_factor=0.01',
            'autovacuum_vacuum_threshold=1000',
            'autovacuum_analyze_scale_factor=0',
            'autovacuum_analyze_threshold=2000',
          ],
        },
      ]);
      expect(
        await dataSource.query(
          "SELECT count(*)::int AS n FROM orders WHERE customer_id = 'migration-spec' AND status = 'PAID'",
        ),
      ).toEqual([{ n: 3 }]);
    } finally {
      await writer.query('ROLLBACK').catch(() => undefined);
      await writer.end();
      await dataSource.destroy();
    }
  });

  it("reverts to PostgreSQL's defaults", async () => {
    const dataSource = await open(MIGRATIONS);
    try {
      await dataSource.runMigrations();
      await dataSource.undoLastMigration();
      expect(await dataSource.query(STORAGE_PARAMETERS, [['orders', 'webhook_deliveries']])).toEqual([
        { relname: 'orders', reloptions: null },
        { relname: 'webhook_deliveries', reloptions: null },
      ]);
    } finally {
      await dataSource.destroy();
    }
  });
});

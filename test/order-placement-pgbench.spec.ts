import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MIGRATIONS } from '@app/database';
import { DataSource } from 'typeorm';
import { orderPlacementScript } from '../benchmarks/order-placement.pgbench';
import { createTestDatabase, type TestDatabase } from '../tooling/database';

const run = promisify(execFile);

describe("benchmark (c)'s pgbench script, built from the repositories' statements (real PostgreSQL, real pgbench)", () => {
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('pgbench_script');
    const schema = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS });
    await schema.initialize();
    await schema.runMigrations();
    await schema.destroy();
    await db.query(
      `INSERT INTO products (sku, name, unit_price, currency, stock)
       SELECT 'SKU-' || lpad(i::text, 3, '0'), 'product ' || i, 100 * i, 'EUR', 1000000 FROM generate_series(1, 8) i`,
    );
    dir = mkdtempSync(path.join(tmpdir(), 'pgbench-script-'));
  });
  afterAll(async () => {
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends 38 statements per order in 5 transactions, every parameter bound', () => {
    const lines = orderPlacementScript().split('\n');
    const statements = lines.filter(
      (line) => /(;|\\gset)$/.test(line) && !/^(START TRANSACTION|COMMIT);$/.test(line),
    );
    expect(statements).toHaveLength(38);
    expect(lines.filter((line) => line === 'START TRANSACTION;')).toHaveLength(5);
    expect(statements.filter((line) => /\$\d/.test(line))).toEqual([]);
  });

  it('takes orders from PENDING to COMPLETED, as the saga does, with each status recorded', async () => {
    const file = path.join(dir, 'order-placement.pgbench.sql');
    writeFileSync(file, orderPlacementScript());
    const expiryYear = new Date().getUTCFullYear() + 3;
    await run('pgbench', [
      '-n',
      '-M',
      'extended',
      '-D',
      `expiry_year=${expiryYear}`,
      '-t',
      '3',
      '-f',
      file,
      db.url,
    ]);

    const orders = await db.query<{ status: string; history: string[]; payment: string; shipments: number }>(
      `SELECT o.status,
              (SELECT array_agg(h.to_status ORDER BY h.id) FROM order_status_history h WHERE h.order_id = o.id) AS history,
              (SELECT p.status FROM payments p WHERE p.order_id = o.id) AS payment,
              (SELECT count(*)::int FROM shipments s WHERE s.order_id = o.id) AS shipments
         FROM orders o`,
    );
    expect(orders).toHaveLength(3);
    for (const order of orders) {
      expect(order).toEqual({
        status: 'COMPLETED',
        history: ['PENDING', 'INVENTORY_RESERVED', 'PAID', 'SHIPPED', 'COMPLETED'],
        payment: 'CAPTURED',
        shipments: 1,
      });
    }
    const [{ held }] = await db.query<{ held: number }>(
      "SELECT count(*)::int AS held FROM inventory_reservations WHERE status = 'RESERVED'",
    );
    expect(held).toBe(3);
  });
});

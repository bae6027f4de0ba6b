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

  const statementsOf = (script: string) =>
    script
      .split('\n')
      .filter((line) => /(;|\\gset)$/.test(line) && !/^(START TRANSACTION|COMMIT);$/.test(line));

  it('sends 42 statements per order in 5 transactions, every parameter bound', () => {
    const script = orderPlacementScript();
    const statements = statementsOf(script);
    expect(statements).toHaveLength(42);
    expect(script.split('\n').filter((line) => line === 'START TRANSACTION;')).toHaveLength(5);
    expect(statements.filter((line) => /\$\d/.test(line))).toEqual([]);
  });

  it("logs each saga step after the step's transaction; without the step log, the same statements less those 4", () => {
    const lines = orderPlacementScript().split('\n');
    const withoutLog = statementsOf(orderPlacementScript({ stepLog: false }));
    expect(withoutLog).toHaveLength(38);
    const logged = statementsOf(lines.join('\n')).filter((line) => !withoutLog.includes(line));
    expect(logged).toEqual([
      expect.stringMatching(/^INSERT INTO order_saga_steps .*'reserveInventory'/),
      expect.stringMatching(/^INSERT INTO order_saga_steps .*'chargePayment'/),
      expect.stringMatching(/^INSERT INTO order_saga_steps .*'arrangeShipping'/),
      expect.stringMatching(/^INSERT INTO order_saga_steps .*'completeOrder'/),
    ]);
    for (const line of logged) expect(lines[lines.indexOf(line) - 1]).toBe('COMMIT;');
  });

  it('takes orders from PENDING to COMPLETED, as the saga does, with each status and step recorded', async () => {
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

    const orders = await db.query<{
      status: string;
      history: string[];
      steps: string[];
      payment: string;
      shipments: number;
    }>(
      `SELECT o.status,
              (SELECT array_agg(h.to_status ORDER BY h.id) FROM order_status_history h WHERE h.order_id = o.id) AS history,
              (SELECT array_agg(s.step || ' ' || s.outcome || ' ' || s.attempts ORDER BY s.step)
                 FROM order_saga_steps s WHERE s.order_id = o.id) AS steps,
              (SELECT p.status FROM payments p WHERE p.order_id = o.id) AS payment,
              (SELECT count(*)::int FROM shipments s WHERE s.order_id = o.id) AS shipments
         FROM orders o`,
    );
    expect(orders).toHaveLength(3);
    for (const order of orders) {
      expect(order).toEqual({
        status: 'COMPLETED',
        history: ['PENDING', 'INVENTORY_RESERVED', 'PAID', 'SHIPPED', 'COMPLETED'],
        steps: [
          'arrangeShipping completed 1',
          'chargePayment completed 1',
          'completeOrder completed 1',
          'reserveInventory completed 1',
        ],
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

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '@app/database';
import { freePort } from '../../../tooling/free-port';
import { startServerProcess, type ServerProcess } from '../../../tooling/processes';
import { insertPendingOrder, insertProduct, orderStatus } from '../../../tooling/order-fixtures';
import { parseExposition, valueOf } from '../../../tooling/prometheus-text';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { loadJobsConfig } from '../src/config/jobs.config';
import { runJobs } from '../src/run-jobs';

/** The batch jobs against real PostgreSQL (inline engine) and a real Pushgateway. */
describe('batch jobs: reconciliation and restock key purge (real PostgreSQL, real Pushgateway)', () => {
  let db: TestDatabase;
  let pushgateway: ServerProcess | undefined;
  let pushgatewayUrl: string;
  let workDir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const schema = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS });
    await schema.initialize();
    await schema.runMigrations();
    await schema.destroy();
    const port = await freePort();
    pushgatewayUrl = `http://127.0.0.1:${port}`;
    workDir = mkdtempSync(path.join(tmpdir(), 'pushgateway-'));
    pushgateway = await startServerProcess(
      'prometheus-pushgateway',
      [`--web.listen-address=127.0.0.1:${port}`, `--persistence.file=${path.join(workDir, 'metrics')}`],
      {
        readyUrl: `${pushgatewayUrl}/-/ready`,
      },
    );
  });
  afterAll(async () => {
    await pushgateway?.stop();
    await db?.drop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('resumes orders stuck past the threshold, leaves recent ones alone, and pushes its metrics', async () => {
    await insertProduct(db, 'REC-1', 10);
    const stuck = await insertPendingOrder(db, { sku: 'REC-1', quantity: 2 });
    const declined = await insertPendingOrder(db, {
      sku: 'REC-1',
      quantity: 1,
      paymentToken: 'sim_tok_decline_rec',
    });
    const recent = await insertPendingOrder(db, { sku: 'REC-1', quantity: 1 });
    await db.query(
      `UPDATE orders SET created_at = now() - interval '2 hours', updated_at = now() - interval '2 hours' WHERE id = ANY($1)`,
      [[stuck.orderId, declined.orderId]],
    );

    const before = Date.now() / 1000;
    const { reconciliation: result } = await runJobs(
      loadJobsConfig({
        DATABASE_URL: db.url,
        PUSHGATEWAY_URL: pushgatewayUrl,
        RECONCILE_STUCK_AFTER_SECONDS: '600',
        LOG_LEVEL: 'silent',
        PAYMENT_SIM_LATENCY_MS: '0',
        CARRIER_SIM_LATENCY_MS: '0',
      }),
    );

    expect(result).toEqual({ examined: 2, resolved: 2, unresolved: 0, unresolvedOrderIds: [] });
    expect(await orderStatus(db, stuck.orderId)).toBe('COMPLETED');
    expect(await orderStatus(db, declined.orderId)).toBe('FAILED');
    expect(await orderStatus(db, recent.orderId)).toBe('PENDING');

    const pushed = parseExposition(await (await fetch(`${pushgatewayUrl}/metrics`)).text());
    const job = { job: 'orders_reconciliation' };
    expect(valueOf(pushed, 'orders_reconciliation_orders', { ...job, result: 'examined' })).toBe(2);
    expect(valueOf(pushed, 'orders_reconciliation_orders', { ...job, result: 'resolved' })).toBe(2);
    expect(valueOf(pushed, 'orders_reconciliation_orders', { ...job, result: 'unresolved' })).toBe(0);
    expect(valueOf(pushed, 'orders_reconciliation_duration_seconds', job)).toBeGreaterThan(0);
    expect(
      valueOf(pushed, 'orders_reconciliation_last_success_timestamp_seconds', job),
    ).toBeGreaterThanOrEqual(Math.floor(before));
  });

  it('purges expired restock keys in batches, keeps the ones that count, and pushes its metrics', async () => {
    await db.query('DELETE FROM restock_idempotency_keys');
    const key = (n: number, expiresIn: string) =>
      db.query(
        `INSERT INTO restock_idempotency_keys
           (operator_id, idempotency_key, request_hash, sku, response, created_at, expires_at)
         VALUES ('ops-1', $1, repeat('a', 64), 'REC-1', '{}', now() - interval '31 days', now() + $2::interval)`,
        [`key-${n}`, expiresIn],
      );
    for (let n = 0; n < 5; n++) await key(n, '-1 hour'); // expired
    await key(5, '-1 second'); // just expired
    await key(6, '1 minute'); // counts a minute longer
    await key(7, '29 days');

    const before = Date.now() / 1000;
    const { restockKeyPurge } = await runJobs(
      loadJobsConfig({
        DATABASE_URL: db.url,
        PUSHGATEWAY_URL: pushgatewayUrl,
        RESTOCK_KEYS_PURGE_BATCH_SIZE: '2',
        LOG_LEVEL: 'silent',
      }),
    );

    expect(restockKeyPurge).toEqual({ purged: 6, batches: 4 }); // 2 + 2 + 2 + 0
    const left = await db.query<{ idempotency_key: string }>(
      'SELECT idempotency_key FROM restock_idempotency_keys ORDER BY idempotency_key',
    );
    expect(left.map((row) => row.idempotency_key)).toEqual(['key-6', 'key-7']);

    const pushed = parseExposition(await (await fetch(`${pushgatewayUrl}/metrics`)).text());
    const job = { job: 'inventory_restock_keys_purge' };
    expect(valueOf(pushed, 'inventory_restock_keys_purged_total', job)).toBe(6);
    expect(valueOf(pushed, 'inventory_restock_keys_purge_duration_seconds', job)).toBeGreaterThan(0);
    expect(
      valueOf(pushed, 'inventory_restock_keys_purge_last_success_timestamp_seconds', job),
    ).toBeGreaterThanOrEqual(Math.floor(before));

    // The next run finds nothing to delete and says so.
    await expect(
      runJobs(loadJobsConfig({ DATABASE_URL: db.url, PUSHGATEWAY_URL: pushgatewayUrl, LOG_LEVEL: 'silent' })),
    ).resolves.toMatchObject({ restockKeyPurge: { purged: 0, batches: 1 } });
    const again = parseExposition(await (await fetch(`${pushgatewayUrl}/metrics`)).text());
    expect(valueOf(again, 'inventory_restock_keys_purged_total', job)).toBe(0);
  });

  it('refuses to start without a database, naming the variable', () => {
    expect(() => loadJobsConfig({})).toThrow(/DATABASE_URL/);
  });
});

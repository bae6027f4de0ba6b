import { isTerminalStatus, orderBody, startApi, type RunningApi } from './support/api-harness';
import { waitFor } from '../../../tooling/wait-for';

describe('flash sale: 200 concurrent buyers for 50 units (real PostgreSQL)', () => {
  let api: RunningApi;

  beforeAll(async () => {
    api = await startApi({ DATABASE_POOL_MAX: '20' });
    await api.db.query(
      `INSERT INTO products (sku, name, unit_price, currency, stock) VALUES ('FLASH-1', 'Limited edition grinder', 9900, 'EUR', 50)`,
    );
  });
  afterAll(async () => {
    await api?.close();
  });

  it('sells exactly the stock: 50 COMPLETED, 150 FAILED with OUT_OF_STOCK, stock never below 0', async () => {
    let minStock = Infinity;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [{ stock }] = await api.db.query<{ stock: number }>(
          `SELECT stock FROM products WHERE sku = 'FLASH-1'`,
        );
        minStock = Math.min(minStock, stock);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        api.request('POST', '/orders', {
          body: orderBody({ items: [{ sku: 'FLASH-1', quantity: 1 }] }),
          as: `buyer-${i}`,
        }),
      ),
    );
    expect(responses.filter((r) => r.status !== 202)).toEqual([]);
    const ids = responses.map((r) => r.body.id as string);

    const finals = await waitFor(
      () =>
        api.db.query<{ status: string; failure_reason: string | null; n: string }>(
          `SELECT status, failure_reason, count(*) AS n FROM orders WHERE id = ANY($1) GROUP BY 1, 2 ORDER BY 1`,
          [ids],
        ),
      (rows) => rows.every((r) => isTerminalStatus(r)),
      60_000,
      200,
    );
    sampling = false;
    await sampler;

    expect(finals).toEqual([
      { status: 'COMPLETED', failure_reason: null, n: '50' },
      { status: 'FAILED', failure_reason: 'OUT_OF_STOCK', n: '150' },
    ]);
    const [{ stock }] = await api.db.query<{ stock: number }>(
      `SELECT stock FROM products WHERE sku = 'FLASH-1'`,
    );
    expect(stock).toBe(0);
    expect(minStock).toBeGreaterThanOrEqual(0);
    const [{ held }] = await api.db.query<{ held: string }>(
      `SELECT coalesce(sum(quantity), 0) AS held FROM inventory_reservations WHERE sku = 'FLASH-1' AND status = 'RESERVED'`,
    );
    expect(held).toBe('50');
    const [{ captured }] = await api.db.query<{ captured: string }>(
      `SELECT count(*) AS captured FROM payments WHERE order_id = ANY($1) AND status = 'CAPTURED'`,
      [ids],
    );
    expect(captured).toBe('50');
  });
});

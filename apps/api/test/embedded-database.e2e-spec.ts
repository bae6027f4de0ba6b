import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { orderBody } from './support/api-harness';
import { startApiProcess, type ApiProcess } from './support/api-process';
import { waitFor } from '../../../test/support/wait-for';

const getJson = async (url: string): Promise<any> => (await fetch(url)).json();

/** `npm start` with nothing configured: the real entry point on embedded PostgreSQL and the inline engine. */
describe('embedded default: no DATABASE_URL, no TEMPORAL_ADDRESS', () => {
  let dataDir: string;
  let api: ApiProcess | undefined;
  const env = () => ({ EMBEDDED_DATABASE_DIR: dataDir, EMBEDDED_DATABASE_PORT: '0' });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'orders-pglite-'));
  });
  afterAll(async () => {
    await api?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the seeded catalog and completes an order', async () => {
    api = await startApiProcess(env());
    const products = await getJson(`${api.baseUrl}/products`);
    expect(products.items.map((p: { sku: string }) => p.sku)).toContain('SKU-001');
    expect(products.items.find((p: { sku: string }) => p.sku === 'SKU-001')).toEqual({
      sku: 'SKU-001',
      name: 'Espresso beans, 1 kg',
      unitPrice: 2490,
      currency: 'EUR',
      stock: 500,
    });

    const placed = await fetch(`${api.baseUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'embedded-1' },
      body: JSON.stringify(orderBody()),
    });
    expect(placed.status).toBe(202);
    const location = placed.headers.get('location')!;
    const order = await waitFor(
      () => getJson(`${api!.baseUrl}${location}`),
      (o) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(o.status),
      20_000,
      100,
    );
    expect(order.status).toBe('COMPLETED');
    expect(order.shipment.trackingNumber).toMatch(/^SIM/);
  });

  it('shuts down cleanly on SIGTERM and keeps its data across restarts without re-seeding', async () => {
    expect(await api!.stop()).toBe(0);
    api = await startApiProcess(env());
    const product = await getJson(`${api.baseUrl}/products/SKU-001`);
    expect(product.stock).toBe(498);
    const orders = await getJson(`${api.baseUrl}/orders?customerId=c-42`);
    expect(orders.items).toHaveLength(1);
    expect(orders.items[0].status).toBe('COMPLETED');
  });
});

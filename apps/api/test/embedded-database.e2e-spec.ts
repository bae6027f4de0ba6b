import { access, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OPERATOR, orderBody } from './support/api-harness';
import { startApiProcess, type ApiProcess } from '../../../tooling/app-processes';
import { waitFor } from '../../../tooling/wait-for';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/support/webhook-receiver';
import { COMPLETED_ORDER_EVENTS } from './support/webhook-fixtures';

const getJson = async (url: string, headers: Record<string, string> = {}): Promise<any> =>
  (await fetch(url, { headers })).json();

/** `npm start` with nothing configured: the real entry point on embedded PostgreSQL and the inline engine. */
describe('embedded default: no DATABASE_URL, no TEMPORAL_ADDRESS', () => {
  let dataDir: string;
  let api: ApiProcess | undefined;
  let firstToken: Record<string, string>;
  let receiver: WebhookReceiver | undefined; // closed in afterAll, also when a test fails midway
  const started = () => {
    if (!api) throw new Error('the API did not start');
    return api;
  };
  const keyFile = () => path.join(dataDir, 'auth', 'local-signing-key.json');
  const env = () => ({
    EMBEDDED_DATABASE_DIR: path.join(dataDir, 'pglite'),
    EMBEDDED_DATABASE_PORT: '0',
    AUTH_LOCAL_KEY_FILE: keyFile(),
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_POLL_INTERVAL_MS: '100',
  });

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'orders-pglite-'));
  });
  afterAll(async () => {
    await receiver?.close();
    await api?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('generates its local signing key on the first start, readable by its owner only', async () => {
    await expect(access(keyFile())).rejects.toThrow(/ENOENT/);
    api = await startApiProcess(env());
    expect((await stat(keyFile())).mode & 0o077).toBe(0);
    firstToken = await api.tokens.headers();
  });

  it('serves the seeded catalog and completes an order, delivering its webhook events', async () => {
    const api = started();
    const hooks = (receiver = await startWebhookReceiver('embedded'));
    const registered = await fetch(`${api.baseUrl}/admin/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await api.tokens.headers(OPERATOR)) },
      body: JSON.stringify({ url: hooks.url, eventTypes: COMPLETED_ORDER_EVENTS }),
    });
    expect(registered.status).toBe(201);
    hooks.secret = ((await registered.json()) as { secret: string }).secret;
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
      headers: { 'content-type': 'application/json', 'idempotency-key': 'embedded-1', ...firstToken },
      body: JSON.stringify(orderBody()),
    });
    expect(placed.status).toBe(202);
    const location = placed.headers.get('location')!;
    const order = await waitFor(
      () => getJson(`${api.baseUrl}${location}`, firstToken),
      (o) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(o.status),
      20_000,
      100,
    );
    expect(order.status).toBe('COMPLETED');
    expect(order.shipment.trackingNumber).toMatch(/^SIM/);
    // The outbox and the dispatcher run on the embedded database too. Delivery is at least once: a copy
    // of an event is only ever a retry (a later attempt of the same event id), never a second claim.
    const delivered = await waitFor(
      async () => hooks.delivered(),
      (byEvent) => byEvent.size === 4,
    );
    const copies = [...delivered.values()];
    expect(copies.map(([first]) => [first.type, first.orderId, first.signatureValid])).toEqual(
      COMPLETED_ORDER_EVENTS.map((type) => [type, order.id, true]),
    );
    for (const [first, ...retries] of copies)
      for (const retry of retries) expect(retry.attempt).toBeGreaterThan(first.attempt);
  });

  it('shuts down cleanly on SIGTERM and keeps its data and its key across restarts without re-seeding', async () => {
    expect(await api!.stop()).toBe(0);
    api = await startApiProcess(env());
    const product = await getJson(`${api.baseUrl}/products/SKU-001`);
    expect(product.stock).toBe(498);
    const orders = await getJson(`${api.baseUrl}/orders`, firstToken); // a token of the first run
    expect(orders.items).toHaveLength(1);
    expect(orders.items[0].status).toBe('COMPLETED');
  });
});

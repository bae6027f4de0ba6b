import { MetricsServer } from '@app/observability';
import { SimulatedPaymentProvider } from '@app/payments';
import { parseExposition, valueOf, type Exposition } from '../../../tooling/prometheus-text';
import { productStock } from '../../../tooling/order-fixtures';
import { waitFor } from '../../../tooling/wait-for';
import { isTerminalStatus, OPERATOR, orderBody, startApi, type RunningApi } from './support/api-harness';
import { startApiProcess } from '../../../tooling/app-processes';

const SKU = 'SKU-003';

describe('fault injection switched at run time (real API, real PostgreSQL, operator API)', () => {
  let api: RunningApi;
  let metricsUrl: string;
  const metrics = async () => parseExposition(await (await fetch(metricsUrl)).text());
  const setFaults = (body: unknown) => api.request('PUT', '/admin/faults', { body, as: OPERATOR });
  const placeAndFinish = async () => {
    const placed = await api.request('POST', '/orders', {
      body: orderBody({ items: [{ sku: SKU, quantity: 2 }] }),
    });
    expect(placed.status).toBe(202);
    return api.waitForOrder(placed.body.id, isTerminalStatus, 20_000);
  };

  beforeAll(async () => {
    api = await startApi({ FAULT_INJECTION_REFRESH_MS: '200' });
    metricsUrl = `http://127.0.0.1:${api.app.get(MetricsServer).port()}/metrics`;
  });
  afterEach(async () => {
    expect((await api.request('DELETE', '/admin/faults', { as: OPERATOR })).status).toBe(200);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('needs an operator token and refuses malformed switches with a 400 naming the field, changing nothing', async () => {
    expect((await api.request('GET', '/admin/faults', { as: null })).status).toBe(401);
    expect((await api.request('GET', '/admin/faults')).status).toBe(403); // a customer's token
    expect(
      (await api.request('PUT', '/admin/faults', { body: { payment: { outage: true } }, as: null })).status,
    ).toBe(401);
    const cases: [unknown, string][] = [
      [{ payment: { declineRate: 2 } }, 'payment.declineRate'],
      [{ payment: { outage: 'yes' } }, 'payment.outage'],
      [{ carrier: { latencyMs: -1 } }, 'carrier.latencyMs'],
      [{ database: { ratio: 'all' } }, 'database.ratio'],
      [{ payment: 5 }, 'payment'],
      [{ payment: { speed: 1 } }, 'payment.speed'],
      [{ durationSeconds: 0 }, 'durationSeconds'],
      [{ cpu: { burn: true } }, 'cpu'],
    ];
    for (const [body, field] of cases) {
      const response = await setFaults(body);
      expect({ body, status: response.status, code: response.body.code }).toEqual({
        body,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(response.body.errors.map((d: { field: string }) => d.field)).toContain(field);
    }
    const state = await api.request('GET', '/admin/faults', { as: OPERATOR });
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({ overrides: {}, active: [], expiresAt: null });
    expect(state.body.configured).toEqual(state.body.effective);
  });

  it('payment decline ratio: the order fails PAYMENT_DECLINED, stock is released, the metrics move', async () => {
    const stockBefore = await productStock(api.db, SKU);
    const before = await metrics();
    const switched = await setFaults({ payment: { declineRate: 1 } });
    expect(switched.status).toBe(200);
    expect(switched.body).toMatchObject({
      active: ['payment_decline'],
      overrides: { payment: { declineRate: 1 } },
      effective: { payment: { declineRate: 1 } },
    });

    const order = await placeAndFinish();
    expect(order).toMatchObject({ status: 'FAILED', failureReason: 'PAYMENT_DECLINED' });
    expect(order.payment.status).toBe('DECLINED');
    expect(order.shipment).toBeNull();
    expect(await productStock(api.db, SKU)).toBe(stockBefore);

    const after = await metrics();
    expect(valueOf(after, 'fault_injection_active', { fault: 'payment_decline' })).toBe(1);
    const delta = (name: string, labels: Record<string, string>) =>
      valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta('payments_processed_total', { status: 'declined' })).toBe(1);
    expect(delta('order_processing_errors_total', { reason: 'PAYMENT_DECLINED' })).toBe(1);
    expect(delta('order_saga_compensations_total', { step: 'releaseInventory' })).toBe(1);
  });

  it('payment provider outage: retried, then FAILED PAYMENT_PROVIDER_UNAVAILABLE with stock released', async () => {
    const stockBefore = await productStock(api.db, SKU);
    const before = await metrics();
    expect((await setFaults({ payment: { outage: true } })).body.active).toEqual(['payment_outage']);

    const order = await placeAndFinish();
    expect(order).toMatchObject({ status: 'FAILED', failureReason: 'PAYMENT_PROVIDER_UNAVAILABLE' });
    expect(await productStock(api.db, SKU)).toBe(stockBefore);

    const after = await metrics();
    const unavailable =
      valueOf(after, 'payments_processed_total', { status: 'provider_unavailable' }) -
      valueOf(before, 'payments_processed_total', { status: 'provider_unavailable' });
    expect(unavailable).toBeGreaterThan(1); // every retry hit the outage
    expect(
      valueOf(after, 'order_saga_compensations_total', { step: 'releaseInventory' }) -
        valueOf(before, 'order_saga_compensations_total', { step: 'releaseInventory' }),
    ).toBe(1);
    expect(valueOf(after, 'fault_injection_active', { fault: 'payment_outage' })).toBe(1);
  });

  it('payment latency: orders still complete, and the payment step and order duration carry the delay', async () => {
    const before = await metrics();
    expect((await setFaults({ payment: { latencyMs: 400 } })).body.active).toEqual(['payment_latency']);

    const order = await placeAndFinish();
    expect(order.status).toBe('COMPLETED');

    const after = await metrics();
    const grew = (name: string, labels: Record<string, string>) =>
      valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(
      grew('workflow_activity_duration_seconds_sum', { activity: 'chargePayment' }),
    ).toBeGreaterThanOrEqual(0.4);
    expect(grew('order_processing_seconds_sum', { outcome: 'COMPLETED' })).toBeGreaterThanOrEqual(0.4);
    expect(valueOf(after, 'fault_injection_active', { fault: 'payment_latency' })).toBe(1);
  });

  it('carrier failure ratio: the payment is refunded, stock released, order FAILED SHIPPING_FAILED', async () => {
    const stockBefore = await productStock(api.db, SKU);
    const before = await metrics();
    expect((await setFaults({ carrier: { failureRate: 1 } })).body.active).toEqual(['carrier_failure']);

    const order = await placeAndFinish();
    expect(order).toMatchObject({ status: 'FAILED', failureReason: 'SHIPPING_FAILED' });
    expect(order.payment.status).toBe('REFUNDED');
    expect(await productStock(api.db, SKU)).toBe(stockBefore);

    const after = await metrics();
    const delta = (name: string, labels: Record<string, string>) =>
      valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta('order_saga_compensations_total', { step: 'refundPayment' })).toBe(1);
    expect(delta('order_saga_compensations_total', { step: 'releaseInventory' })).toBe(1);
    expect(delta('payments_processed_total', { status: 'refunded' })).toBe(1);
    expect(delta('order_processing_errors_total', { reason: 'SHIPPING_FAILED' })).toBe(1);
    expect(valueOf(after, 'fault_injection_active', { fault: 'carrier_failure' })).toBe(1);
  });

  it('slow database statements: every statement takes at least the injected latency, requests still succeed', async () => {
    const fast = (e: Exposition) =>
      valueOf(e, 'db_query_duration_seconds_bucket', { table: 'products', le: '0.05' });
    const count = (e: Exposition) => valueOf(e, 'db_query_duration_seconds_count', { table: 'products' });
    expect((await setFaults({ database: { latencyMs: 60 } })).body.active).toEqual(['database_latency']);
    // A scrape's own inventory query is observed after the scrape is rendered: snapshot once it is slow too.
    const before = await metrics();

    for (let i = 0; i < 3; i++) expect((await api.request('GET', `/products/${SKU}`)).status).toBe(200);
    expect((await placeAndFinish()).status).toBe('COMPLETED');

    const after = await metrics();
    expect(count(after) - count(before)).toBeGreaterThanOrEqual(3);
    expect(fast(after) - fast(before)).toBe(0); // none of them answered within 50 ms
    expect(valueOf(after, 'fault_injection_active', { fault: 'database_latency' })).toBe(1);

    // Cleared: statements are fast again.
    await api.request('DELETE', '/admin/faults', { as: OPERATOR });
    const cleared = await metrics();
    for (let i = 0; i < 3; i++) await api.request('GET', `/products/${SKU}`);
    expect(fast(await metrics()) - fast(cleared)).toBeGreaterThanOrEqual(1);
  });

  it('a time-limited switch lapses by itself', async () => {
    const switched = await setFaults({ payment: { outage: true }, durationSeconds: 1 });
    expect(switched.body.active).toEqual(['payment_outage']);
    expect(Date.parse(switched.body.expiresAt) - Date.now()).toBeGreaterThan(0);
    expect(api.app.get(SimulatedPaymentProvider).current().outage).toBe(true);

    const lapsed = await waitFor(
      () => api.request('GET', '/admin/faults', { as: OPERATOR }),
      (r) => r.body.active.length === 0,
      5_000,
      100,
    );
    expect(lapsed.body).toMatchObject({ overrides: {}, expiresAt: null });
    // The next refresh also puts the simulator back.
    await waitFor(
      async () => api.app.get(SimulatedPaymentProvider).current().outage,
      (outage) => !outage,
      2_000,
      50,
    );
    expect(valueOf(await metrics(), 'fault_injection_active', { fault: 'payment_outage' })).toBe(0);
  });

  it('reaches another API process on the same database within one refresh, and is cleared there too', async () => {
    const replica = await startApiProcess({
      DATABASE_URL: api.db.url,
      AUTH_LOCAL_KEY_FILE: api.keyFile, // the same key: the same tokens work on both
      INLINE_ENGINE_EXCLUSIVE: 'false', // a second inline engine on the first one's database, on purpose
      FAULT_INJECTION_REFRESH_MS: '200',
      LOG_LEVEL: 'info',
    });
    const replicaFaults = async () =>
      (await (await fetch(`${replica.baseUrl}/admin/faults`, { headers: operatorHeaders })).json()) as {
        active: string[];
      };
    const operatorHeaders = await api.tokens.headers(OPERATOR);
    try {
      expect((await replicaFaults()).active).toEqual([]);
      await setFaults({ carrier: { failureRate: 1 } });
      await waitFor(replicaFaults, (state) => state.active.includes('carrier_failure'), 5_000, 100);
      // The replica's own carrier now fails: an order placed there is compensated.
      const placed = await fetch(`${replica.baseUrl}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await api.tokens.headers()) },
        body: JSON.stringify(orderBody()),
      });
      const { id } = (await placed.json()) as { id: string };
      const order = await api.waitForOrder(id, isTerminalStatus, 20_000);
      expect(order).toMatchObject({ status: 'FAILED', failureReason: 'SHIPPING_FAILED' });

      await api.request('DELETE', '/admin/faults', { as: OPERATOR });
      await waitFor(replicaFaults, (state) => state.active.length === 0, 5_000, 100);
    } finally {
      expect(await replica.stop()).toBe(0);
    }
  });
});

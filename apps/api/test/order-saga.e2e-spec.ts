import { SimulatedCarrier } from '@app/shipping';
import { SimulatedPaymentProvider } from '@app/payments';
import { DECLINED_CARD, isTerminalStatus, orderBody, startApi, type RunningApi } from './support/api-harness';
import { DEFAULT_CUSTOMER } from '../../../tooling/tokens';

/** The order saga on the inline engine against a real PostgreSQL database. */
describe('order saga (inline engine, real PostgreSQL)', () => {
  let api: RunningApi;
  const stockOf = async (sku: string) =>
    Number(
      (await api.db.query<{ stock: number }>('SELECT stock FROM products WHERE sku = $1', [sku]))[0].stock,
    );

  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api?.close();
  });
  afterEach(() => {
    api.app.get(SimulatedCarrier).configure({ failureRate: 0, latencyMs: 5 });
    api.app.get(SimulatedPaymentProvider).configure({ latencyMs: 5, outage: false, declineRate: 0 });
  });

  it('accepts an order with 202 + Location and takes it to COMPLETED with payment captured and a tracking number', async () => {
    const before = await stockOf('SKU-001');
    const placed = await api.request('POST', '/orders', { body: orderBody() });
    expect(placed.status).toBe(202);
    expect(placed.headers.get('location')).toBe(`/orders/${placed.body.id}`);
    expect(placed.body).toMatchObject({ status: 'PENDING', total: 2 * 2490, currency: 'EUR' });
    expect(placed.body.history.map((h: any) => h.status)).toEqual(['PENDING']);

    const order = await api.waitForOrder(placed.body.id, isTerminalStatus);
    expect(order.status).toBe('COMPLETED');
    expect(order.payment).toEqual({ method: 'card', brand: 'visa', last4: '4242', status: 'CAPTURED' });
    expect(order.shipment.carrier).toBe('SIM-EXPRESS');
    expect(order.shipment.trackingNumber).toMatch(/^SIM[0-9A-F]{12}$/);
    expect(order.lines).toEqual([
      { sku: 'SKU-001', name: 'Espresso beans, 1 kg', quantity: 2, unitPrice: 2490, lineTotal: 4980 },
    ]);
    expect(order.history.map((h: any) => [h.from, h.status])).toEqual([
      [null, 'PENDING'],
      ['PENDING', 'INVENTORY_RESERVED'],
      ['INVENTORY_RESERVED', 'PAID'],
      ['PAID', 'SHIPPED'],
      ['SHIPPED', 'COMPLETED'],
    ]);
    const times = order.history.map((h: any) => Date.parse(h.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(await stockOf('SKU-001')).toBe(before - 2);
    // The documented shape, nothing more: instants as toISOString() writes them, agreeing with the row.
    expect(Object.keys(order).sort()).toEqual(
      [
        'id',
        'customerId',
        'status',
        'currency',
        'total',
        'failureReason',
        'createdAt',
        'updatedAt',
        'lines',
        'shippingAddress',
        'payment',
        'shipment',
        'cancellationRequested',
        'history',
      ].sort(),
    );
    expect(order).toMatchObject({
      customerId: DEFAULT_CUSTOMER,
      shippingAddress: orderBody().shippingAddress,
      failureReason: null,
      cancellationRequested: false,
    });
    const [row] = await api.db.query<{ created_at: Date; updated_at: Date }>(
      'SELECT created_at, updated_at FROM orders WHERE id = $1',
      [order.id],
    );
    expect([order.createdAt, order.updatedAt]).toEqual([
      row.created_at.toISOString(),
      row.updated_at.toISOString(),
    ]);
    for (const { at } of order.history) expect(new Date(at).toISOString()).toBe(at);
  });

  it('fails a declined card with PAYMENT_DECLINED, restores all stock and ships nothing', async () => {
    const before = [await stockOf('SKU-002'), await stockOf('SKU-003')];
    const placed = await api.request('POST', '/orders', {
      body: orderBody({
        items: [
          { sku: 'SKU-002', quantity: 3 },
          { sku: 'SKU-003', quantity: 5 },
        ],
        payment: { ...orderBody().payment, cardNumber: DECLINED_CARD },
      }),
    });
    expect(placed.status).toBe(202);
    const order = await api.waitForOrder(placed.body.id, isTerminalStatus);
    expect(order).toMatchObject({ status: 'FAILED', failureReason: 'PAYMENT_DECLINED', shipment: null });
    expect(order.payment).toMatchObject({ last4: '0002', status: 'DECLINED' });
    expect(order.history.map((h: any) => h.status)).toEqual(['PENDING', 'INVENTORY_RESERVED', 'FAILED']);
    expect([await stockOf('SKU-002'), await stockOf('SKU-003')]).toEqual(before);
    const shipments = await api.db.query('SELECT * FROM shipments WHERE order_id = $1', [order.id]);
    expect(shipments).toHaveLength(0);
  });

  it('refunds the payment and restores stock when the carrier keeps failing', async () => {
    api.app.get(SimulatedCarrier).configure({ failureRate: 1 });
    const before = await stockOf('SKU-004');
    const placed = await api.request('POST', '/orders', {
      body: orderBody({ items: [{ sku: 'SKU-004', quantity: 1 }] }),
    });
    const order = await api.waitForOrder(placed.body.id, isTerminalStatus, 20_000);
    expect(order).toMatchObject({ status: 'FAILED', failureReason: 'SHIPPING_FAILED', shipment: null });
    expect(order.payment.status).toBe('REFUNDED');
    expect(order.history.map((h: any) => h.status)).toEqual([
      'PENDING',
      'INVENTORY_RESERVED',
      'PAID',
      'FAILED',
    ]);
    expect(await stockOf('SKU-004')).toBe(before);
  });

  it('cancels an order before shipping with the same compensation', async () => {
    api.app.get(SimulatedPaymentProvider).configure({ latencyMs: 1_000 });
    const before = await stockOf('SKU-005');
    const placed = await api.request('POST', '/orders', {
      body: orderBody({ items: [{ sku: 'SKU-005', quantity: 2 }] }),
    });
    await api.waitForOrder(placed.body.id, (o) => o.status === 'INVENTORY_RESERVED');

    const cancel = await api.request('POST', `/orders/${placed.body.id}/cancel`);
    expect(cancel.status).toBe(202);
    expect(cancel.body.cancellationRequested).toBe(true);

    const order = await api.waitForOrder(placed.body.id, isTerminalStatus);
    expect(order.status).toBe('CANCELLED');
    expect(order.payment.status).toBe('REFUNDED');
    expect(order.shipment).toBeNull();
    expect(order.history.map((h: any) => h.status)).toEqual([
      'PENDING',
      'INVENTORY_RESERVED',
      'PAID',
      'CANCELLED',
    ]);
    expect(await stockOf('SKU-005')).toBe(before);

    const again = await api.request('POST', `/orders/${placed.body.id}/cancel`);
    expect(again.status).toBe(202);
    expect(again.body.status).toBe('CANCELLED');
  });

  it('refuses to cancel an order that has shipped with 409', async () => {
    const placed = await api.request('POST', '/orders', {
      body: orderBody({ items: [{ sku: 'SKU-006', quantity: 1 }] }),
    });
    const order = await api.waitForOrder(placed.body.id, isTerminalStatus);
    expect(order.status).toBe('COMPLETED');
    const cancel = await api.request('POST', `/orders/${order.id}/cancel`);
    expect(cancel.status).toBe(409);
    expect(cancel.body).toMatchObject({ status: 409, code: 'ORDER_NOT_CANCELLABLE' });
    expect((await api.request('GET', `/orders/${order.id}`)).body.status).toBe('COMPLETED');
  });

  it('retries a provider outage, then fails with PAYMENT_PROVIDER_UNAVAILABLE and releases stock', async () => {
    api.app.get(SimulatedPaymentProvider).configure({ outage: true });
    const before = await stockOf('SKU-007');
    const placed = await api.request('POST', '/orders', {
      body: orderBody({ items: [{ sku: 'SKU-007', quantity: 1 }] }),
    });
    const order = await api.waitForOrder(placed.body.id, isTerminalStatus, 20_000);
    expect(order).toMatchObject({ status: 'FAILED', failureReason: 'PAYMENT_PROVIDER_UNAVAILABLE' });
    expect(order.payment.status).toBe('PENDING');
    expect(await stockOf('SKU-007')).toBe(before);
  });

  it('never moves an order backwards: the history only holds allowed transitions', async () => {
    const rows = await api.db.query<{ from_status: string | null; to_status: string }>(
      'SELECT from_status, to_status FROM order_status_history ORDER BY id',
    );
    const forward: Record<string, string[]> = {
      PENDING: ['INVENTORY_RESERVED', 'FAILED', 'CANCELLED'],
      INVENTORY_RESERVED: ['PAID', 'FAILED', 'CANCELLED'],
      PAID: ['SHIPPED', 'FAILED', 'CANCELLED'],
      SHIPPED: ['COMPLETED', 'FAILED'],
    };
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      if (row.from_status === null) expect(row.to_status).toBe('PENDING');
      else expect(forward[row.from_status]).toContain(row.to_status);
    }
  });
});

import { isTerminalStatus, orderBody, startApi, type RunningApi } from './support/api-harness';

describe('POST /orders idempotency (real PostgreSQL)', () => {
  let api: RunningApi;

  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('creates one order and one payment for 20 concurrent requests with the same key and customer', async () => {
    const body = orderBody();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.request('POST', '/orders', { body, headers: { 'Idempotency-Key': 'key-20x' }, as: 'c-idem' }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(202));
    const ids = new Set(responses.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    const [id] = ids;
    expect(new Set(responses.map((r) => r.headers.get('location')))).toEqual(new Set([`/orders/${id}`]));
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);

    const order = await api.waitForOrder(id, isTerminalStatus, undefined, 'c-idem');
    expect(order.status).toBe('COMPLETED');
    const [counts] = await api.db.query<{ orders: string; payments: string; captured: string }>(
      `SELECT (SELECT count(*) FROM orders WHERE customer_id = 'c-idem') AS orders,
              (SELECT count(*) FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.customer_id = 'c-idem') AS payments,
              (SELECT count(*) FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.customer_id = 'c-idem' AND p.status = 'CAPTURED') AS captured`,
    );
    expect(counts).toEqual({ orders: '1', payments: '1', captured: '1' });

    const later = await api.request('POST', '/orders', {
      body,
      headers: { 'Idempotency-Key': 'key-20x' },
      as: 'c-idem',
    });
    expect(later.status).toBe(202);
    expect(later.body).toMatchObject({ id, status: 'COMPLETED' });
  });

  it('refuses a reused key carrying a different request with 422 and creates nothing', async () => {
    const first = await api.request('POST', '/orders', {
      body: orderBody(),
      headers: { 'Idempotency-Key': 'key-reuse' },
      as: 'c-reuse',
    });
    expect(first.status).toBe(202);
    const second = await api.request('POST', '/orders', {
      body: orderBody({ items: [{ sku: 'SKU-003', quantity: 1 }] }),
      headers: { 'Idempotency-Key': 'key-reuse' },
      as: 'c-reuse',
    });
    expect(second.status).toBe(422);
    expect(second.body).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      errors: [{ field: 'Idempotency-Key' }],
    });
    const rows = await api.db.query(`SELECT id FROM orders WHERE customer_id = 'c-reuse'`);
    expect(rows).toHaveLength(1);
  });

  it('scopes keys per customer: the same key from two customers makes two orders', async () => {
    const a = await api.request('POST', '/orders', {
      body: orderBody(),
      headers: { 'Idempotency-Key': 'shared' },
      as: 'c-a',
    });
    const b = await api.request('POST', '/orders', {
      body: orderBody(),
      headers: { 'Idempotency-Key': 'shared' },
      as: 'c-b',
    });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a.body.id).not.toBe(b.body.id);
    expect(b.headers.get('idempotent-replayed')).toBeNull(); // nobody replays another customer's order
    expect([a.body.customerId, b.body.customerId]).toEqual(['c-a', 'c-b']);
  });

  it('treats the same request with its JSON keys in another order as the same request', async () => {
    const body = orderBody();
    const reordered = {
      payment: body.payment,
      shippingAddress: {
        country: 'DE',
        postalCode: '10115',
        city: 'Berlin',
        line1: '1 Main St',
        name: 'Ada',
      },
      items: body.items,
    };
    const first = await api.request('POST', '/orders', {
      body,
      headers: { 'Idempotency-Key': 'k-reordered' },
      as: 'c-order',
    });
    const second = await api.request('POST', '/orders', {
      body: reordered,
      headers: { 'Idempotency-Key': 'k-reordered' },
      as: 'c-order',
    });
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
  });
});

import { randomUUID } from 'node:crypto';
import { OPERATOR_SCOPE } from '@app/auth';
import { AuditLog } from '@app/observability';
import { OPERATOR, startApi, type Caller, type HttpResult, type RunningApi } from './support/api-harness';

/** `POST /products/:sku/restock` with `Idempotency-Key`, against real PostgreSQL. */
describe('POST /products/:sku/restock idempotency (real PostgreSQL)', () => {
  let api: RunningApi;
  let audit: jest.SpyInstance;

  const operator = (subject: string): Caller => ({ subject, scopes: [OPERATOR_SCOPE] });
  /** A product of its own for each test, with `stock` units. */
  const product = async (stock = 10): Promise<string> => {
    const sku = `IDEM-${randomUUID().slice(0, 8)}`;
    await api.db.query(
      `INSERT INTO products (sku, name, unit_price, currency, stock) VALUES ($1, 'Idempotent', 990, 'EUR', $2)`,
      [sku, stock],
    );
    return sku;
  };
  const stockOf = async (sku: string): Promise<number> =>
    (await api.request('GET', `/products/${sku}`, { as: null })).body.stock;
  const restock = (
    sku: string,
    quantity: number,
    { key, as = OPERATOR }: { key?: string; as?: Caller } = {},
  ): Promise<HttpResult> =>
    api.request('POST', `/products/${sku}/restock`, {
      body: { quantity },
      headers: key === undefined ? {} : { 'Idempotency-Key': key },
      as,
    });
  const restockedEvents = (sku: string) =>
    audit.mock.calls.filter(
      ([action, fields]) => action === 'product-restocked' && fields['product.sku'] === sku,
    );

  beforeAll(async () => {
    api = await startApi();
    audit = jest.spyOn(api.app.get(AuditLog), 'record');
  });
  afterAll(async () => {
    audit?.mockRestore();
    await api?.close();
  });

  it('answers a repeat with the first answer and Idempotent-Replayed, adds the stock and audits once', async () => {
    const sku = await product(10);

    const first = await restock(sku, 5, { key: 'restock-once' });
    const again = await restock(sku, 5, { key: 'restock-once' });

    expect(first.status).toBe(200);
    expect(first.body).toEqual({ sku, name: 'Idempotent', unitPrice: 990, currency: 'EUR', stock: 15 });
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await stockOf(sku)).toBe(15);
    expect(restockedEvents(sku)).toHaveLength(1);
  });

  it('replays the stock the first restock left, also after other restocks', async () => {
    const sku = await product(10);
    await restock(sku, 1, { key: 'restock-then-more' });
    await restock(sku, 100);

    const again = await restock(sku, 1, { key: 'restock-then-more' });

    expect(again.status).toBe(200);
    expect(again.body.stock).toBe(11);
    expect(await stockOf(sku)).toBe(111);
  });

  it('refuses the key sent with another quantity with 422 IDEMPOTENCY_KEY_REUSED and changes nothing', async () => {
    const sku = await product(10);
    expect((await restock(sku, 5, { key: 'restock-reused' })).status).toBe(200);

    const reused = await restock(sku, 6, { key: 'restock-reused' });

    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({
      status: 422,
      code: 'IDEMPOTENCY_KEY_REUSED',
      errors: [{ field: 'Idempotency-Key' }],
    });
    expect(await stockOf(sku)).toBe(15);
    expect(restockedEvents(sku)).toHaveLength(1);
  });

  it('refuses the key sent for another SKU with 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const [a, b] = [await product(10), await product(10)];
    expect((await restock(a, 5, { key: 'restock-other-sku' })).status).toBe(200);

    const reused = await restock(b, 5, { key: 'restock-other-sku' });

    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    expect([await stockOf(a), await stockOf(b)]).toEqual([15, 10]);
  });

  it('restocks once for 10 concurrent requests with the same key', async () => {
    const sku = await product(0);

    const responses = await Promise.all(
      Array.from({ length: 10 }, () => restock(sku, 3, { key: 'restock-10x' })),
    );

    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(responses.map((r) => r.body.stock))).toEqual(new Set([3]));
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    expect(await stockOf(sku)).toBe(3);
    expect(restockedEvents(sku)).toHaveLength(1);
  });

  it('treats an expired key as unused: the same request restocks again', async () => {
    const sku = await product(0);
    expect((await restock(sku, 2, { key: 'restock-expiring' })).status).toBe(200);
    await api.db.query(
      `UPDATE restock_idempotency_keys
          SET created_at = now() - interval '31 days', expires_at = now() - interval '1 second'
        WHERE operator_id = $1 AND idempotency_key = 'restock-expiring'`, // OPERATOR is ops-1
      ['ops-1'],
    );

    const later = await restock(sku, 2, { key: 'restock-expiring' });

    expect(later.status).toBe(200);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(later.body.stock).toBe(4);
    expect(await stockOf(sku)).toBe(4);
    expect(restockedEvents(sku)).toHaveLength(2);
  });

  it('remembers a key for 30 days by default', async () => {
    const sku = await product(0);
    expect((await restock(sku, 1, { key: 'restock-30-days', as: operator('ops-ttl') })).status).toBe(200);

    const [row] = await api.db.query<{ lifetime: string }>(
      `SELECT (expires_at - created_at)::text AS lifetime FROM restock_idempotency_keys
        WHERE operator_id = 'ops-ttl' AND idempotency_key = 'restock-30-days'`,
    );
    expect(row.lifetime).toBe('30 days');
  });

  it('keeps keys per operator: the same key from two operators restocks twice', async () => {
    const sku = await product(0);

    const a = await restock(sku, 4, { key: 'restock-shared', as: operator('ops-a') });
    const b = await restock(sku, 4, { key: 'restock-shared', as: operator('ops-b') });

    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect([a.body.stock, b.body.stock]).toEqual([4, 8]);
    expect(restockedEvents(sku).map(([, fields]) => fields['user.id'])).toEqual(['ops-a', 'ops-b']);
  });

  it('without a key, every request restocks', async () => {
    const sku = await product(0);

    const first = await restock(sku, 2);
    const second = await restock(sku, 2);

    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.body.stock, second.body.stock]).toEqual([2, 4]);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(restockedEvents(sku)).toHaveLength(2);
  });

  it('does not keep the key of a refused restock: the key works once the request is right', async () => {
    const missing = await restock('IDEM-missing', 1, { key: 'restock-after-refusal' });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404, code: 'PRODUCT_NOT_FOUND' });

    const sku = await product(0);
    const accepted = await restock(sku, 1, { key: 'restock-after-refusal' });
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get('idempotent-replayed')).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['longer than 255 characters', 'k'.repeat(256)],
    ['with a space', 'two words'],
  ])('refuses an Idempotency-Key that is %s with 400 naming the header', async (_, key) => {
    const sku = await product(0);

    const refused = await api.request('POST', `/products/${sku}/restock`, {
      body: { quantity: 1 },
      headers: { 'Idempotency-Key': key },
      as: OPERATOR,
    });

    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(refused.body.errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
    expect(await stockOf(sku)).toBe(0);
  });
});

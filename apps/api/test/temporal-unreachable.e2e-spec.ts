import { orderBody, startApi, type RunningApi } from './support/api-harness';

/**
 * The Temporal engine with a server that cannot be reached (nothing listens on the port): the order is
 * kept and the client is told to retry with the same Idempotency-Key. The same against a real server that
 * goes away, and the reconciliation job resuming such orders: apps/worker/test/temporal-durability.
 */
describe('Temporal engine, server unreachable (nothing listens on its port)', () => {
  let api: RunningApi;

  beforeAll(async () => {
    api = await startApi({ TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_CALL_TIMEOUT_MS: '1500' });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('answers 503 with Retry-After, keeps the order PENDING, and a retry with the same key finds it', async () => {
    const body = orderBody();
    const init = { body, headers: { 'Idempotency-Key': 'tmp-1' }, as: 'c-temporal' };
    const first = await api.request('POST', '/orders', init);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('5');
    expect(first.body).toMatchObject({ status: 503, code: 'WORKFLOW_ENGINE_UNAVAILABLE' });

    const stored = await api.db.query<{ id: string; status: string }>(
      `SELECT id, status FROM orders WHERE customer_id = 'c-temporal'`,
    );
    expect(stored).toEqual([{ id: expect.any(String), status: 'PENDING' }]);

    const retry = await api.request('POST', '/orders', init);
    expect(retry.status).toBe(503);
    const [{ count }] = await api.db.query<{ count: string }>(
      `SELECT count(*) FROM orders WHERE customer_id = 'c-temporal'`,
    );
    expect(count).toBe('1');
  });
});

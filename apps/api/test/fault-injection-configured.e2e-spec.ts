import { isTerminalStatus, OPERATOR, orderBody, startApi, type RunningApi } from './support/api-harness';

describe('fault injection by configuration (environment, real API and PostgreSQL)', () => {
  let api: RunningApi;

  beforeAll(async () => {
    api = await startApi({ PAYMENT_SIM_DECLINE_RATE: '1', CARRIER_SIM_LATENCY_MS: '80' });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('applies the configured faults from the start and reports them as configured, not overridden', async () => {
    const state = await api.request('GET', '/admin/faults', { as: OPERATOR });
    expect(state.body).toMatchObject({
      configured: { payment: { declineRate: 1 }, carrier: { latencyMs: 80 } },
      overrides: {},
      active: ['payment_decline', 'carrier_latency'],
    });
    const placed = await api.request('POST', '/orders', { body: orderBody() });
    const order = await api.waitForOrder(placed.body.id, isTerminalStatus);
    expect(order).toMatchObject({ status: 'FAILED', failureReason: 'PAYMENT_DECLINED' });
  });

  it('lets an operator override the configuration at run time and clear back to it', async () => {
    const healthy = await api.request('PUT', '/admin/faults', {
      body: { payment: { declineRate: 0 } },
      as: OPERATOR,
    });
    expect(healthy.body.active).toEqual(['carrier_latency']);
    const next = await api.request('POST', '/orders', { body: orderBody() });
    expect((await api.waitForOrder(next.body.id, isTerminalStatus)).status).toBe('COMPLETED');

    const cleared = await api.request('DELETE', '/admin/faults', { as: OPERATOR });
    expect(cleared.body).toMatchObject({ overrides: {}, effective: { payment: { declineRate: 1 } } });
    const again = await api.request('POST', '/orders', { body: orderBody() });
    expect(await api.waitForOrder(again.body.id, isTerminalStatus)).toMatchObject({
      status: 'FAILED',
      failureReason: 'PAYMENT_DECLINED',
    });
  });
});

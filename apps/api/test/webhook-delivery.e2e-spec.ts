import { generateWebhookSecret } from '@app/webhooks';
import {
  startWebhookReceiver,
  verifiesWith,
  type WebhookReceiver,
} from '../../../test/support/webhook-receiver';
import { waitFor } from '../../../tooling/wait-for';
import {
  DECLINED_CARD,
  isTerminalStatus,
  OPERATOR,
  orderBody,
  startApi,
  type RunningApi,
} from './support/api-harness';
import {
  COMPLETED_ORDER_EVENTS,
  debugVars,
  deliveredTypesByOrder,
  endpointMetrics,
  FAST_WEBHOOKS,
  figures,
  registerReceiver,
  scrape,
  settled,
} from './support/webhook-fixtures';

/**
 * Delivery of order events to real local receivers by the real application (inline saga engine, real
 * PostgreSQL): exactly once to a healthy endpoint and in order per order, retries through 500, 429,
 * timeouts and refused connections, the circuit of a failing endpoint, the connect-time address check,
 * and the per-endpoint metrics of the notification-endpoint model.
 */
describe('webhook delivery', () => {
  let api: RunningApi;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (name: string) => {
    const started = await startWebhookReceiver(name);
    receivers.push(started);
    return started;
  };
  const placeOrder = async (overrides: Record<string, unknown> = {}) => {
    const placed = await api.request('POST', '/orders', { body: orderBody(overrides) });
    expect(placed.status).toBe(202);
    return placed.body.id as string;
  };
  const settle = (ids: string[]) => Promise.all(ids.map((id) => api.waitForOrder(id, isTerminalStatus)));
  const metricsOf = async (endpoint: string) => endpointMetrics(await scrape(api), endpoint);
  const disable = (endpoint: string) =>
    api.request('POST', `/admin/webhooks/${endpoint}/disable`, { as: OPERATOR });

  beforeAll(async () => {
    api = await startApi(FAST_WEBHOOKS);
  });

  afterAll(async () => {
    await api?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  // Each scenario registers its own endpoints: those of the previous ones get no more events.
  afterEach(() => api.db.query('UPDATE webhook_endpoints SET enabled = false'));

  it('delivers every event exactly once to a healthy endpoint, in order per order, signed with its secret', async () => {
    const healthy = await receiver('healthy');
    const endpoint = await registerReceiver(api, healthy);
    const completed = await Promise.all([1, 2, 3, 4, 5].map(() => placeOrder()));
    const declined = await placeOrder({ payment: { ...orderBody().payment, cardNumber: DECLINED_CARD } });
    await settle([...completed, declined]);

    const expected = completed.length * 4 + 2;
    const metrics = await waitFor(
      () => metricsOf(endpoint.id),
      (m) => m.delivered === expected && m.pending === 0 && settled(m),
    );
    await disable(endpoint.id);

    // Exactly once: one request per event, each answered 200.
    expect(healthy.received).toHaveLength(expected);
    expect(new Set(healthy.received.map((d) => d.eventId)).size).toBe(expected);
    // In order per order, whatever the concurrency across orders.
    const byOrder = deliveredTypesByOrder(healthy);
    for (const id of completed) expect(byOrder.get(id)).toEqual(COMPLETED_ORDER_EVENTS);
    expect(byOrder.get(declined)).toEqual(['order.created', 'order.failed']);

    // The payload: a stable id, the type, when, the order as the change left it; no card data.
    const first = healthy.received.find((d) => d.orderId === completed[0] && d.type === 'payment.captured')!;
    expect(first.body).toEqual({
      id: first.eventId,
      type: 'payment.captured',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      data: {
        order: expect.objectContaining({ id: completed[0], status: 'PAID', payment: expect.anything() }),
      },
    });
    expect(first.body.data.order.payment).toEqual({
      method: 'card',
      brand: 'visa',
      last4: '4242',
      status: 'CAPTURED',
    });
    const shipped = healthy.received.find(
      (d) => d.orderId === completed[0] && d.type === 'shipment.created',
    )!;
    expect(shipped.body.data.order).toMatchObject({
      status: 'SHIPPED',
      shipment: { trackingNumber: expect.any(String) },
    });
    for (const delivery of healthy.received) {
      expect(delivery.raw).not.toMatch(/4242424242424242|cvv|paymentToken/i);
      expect(delivery.headers).toMatchObject({
        'content-type': 'application/json',
        'webhook-id': delivery.body.id,
        'webhook-timestamp': expect.stringMatching(/^\d+$/),
        'user-agent': expect.stringMatching(/^orders-webhooks\//),
      });
    }

    // The signature verifies with the endpoint's secret (Standard Webhooks library), and fails with another.
    expect(healthy.received.every((d) => d.signatureValid === true)).toBe(true);
    expect(verifiesWith(generateWebhookSecret(), first.raw, first.headers)).toBe(false);
    expect(verifiesWith(endpoint.secret, first.raw, first.headers)).toBe(true);
    expect(verifiesWith(endpoint.secret, `${first.raw} `, first.headers)).toBe(false);
    // A new endpoint never gets the former signature.
    expect(healthy.received.some((d) => 'webhook-signature-legacy' in d.headers)).toBe(false);

    // The notification-endpoint model: every event ingested, none pending, all successes, a 200 for each call.
    expect(metrics).toEqual({
      events: expected,
      pending: 0,
      successes: expected,
      failures: 0,
      errors: 0,
      statuses: { '200': expected },
      delivered: expected,
      dead: 0,
      oldestPendingAge: 0,
      requests: expected,
    });
    figures('healthy endpoint', { events: expected, attempts: expected, retries: 0, dead: 0 });
  });

  it('retries through 500, 429, a timeout and refused connections, then delivers everything once it recovers', async () => {
    const flaky = await receiver('flaky');
    const endpoint = await registerReceiver(api, flaky);
    // The first event is answered 500, then 429, then not at all (the 500 ms timeout), then 200.
    const script: Array<number | 'hang'> = [500, 429, 'hang'];
    flaky.answer(() => script.shift() ?? 200);
    const first = await placeOrder();
    await settle([first]);
    await waitFor(
      async () => (await metricsOf(endpoint.id)).delivered,
      (n) => n === 4,
    );
    expect(flaky.received.slice(0, 4).map((d) => [d.type, d.attempt, d.answer])).toEqual([
      ['order.created', 1, 500],
      ['order.created', 2, 429],
      ['order.created', 3, 'hang'],
      ['order.created', 4, 200],
    ]);

    // Now the endpoint is down: connections are refused while the second order runs.
    await flaky.refuse();
    const second = await placeOrder();
    await settle([second]);
    const down = await waitFor(
      () => metricsOf(endpoint.id),
      (m) => m.errors >= 4 && m.pending === 4,
    );
    expect(down.oldestPendingAge).toBeGreaterThan(0);
    await flaky.listen();
    const metrics = await waitFor(
      () => metricsOf(endpoint.id),
      (m) => m.delivered === 8 && m.pending === 0 && settled(m),
      20_000,
    );
    await disable(endpoint.id);

    const byOrder = deliveredTypesByOrder(flaky);
    expect([byOrder.get(first), byOrder.get(second)]).toEqual([
      COMPLETED_ORDER_EVENTS,
      COMPLETED_ORDER_EVENTS,
    ]);
    expect(flaky.delivered().size).toBe(8);
    for (const attempts of flaky.delivered().values()) expect(attempts).toHaveLength(1);
    // Failures are answers other than 2xx (500, 429); errors are no answer (the timeout, the refusals).
    const refused = metrics.errors - 1;
    expect(metrics).toEqual({
      events: 8,
      pending: 0,
      successes: 8,
      failures: 2,
      errors: 1 + refused,
      statuses: { '200': 8, '429': 1, '500': 1 },
      delivered: 8,
      dead: 0,
      oldestPendingAge: 0,
      requests: 8 + 2 + 1 + refused,
    });
    expect(flaky.received).toHaveLength(8 + 2 + 1); // refused connections never reach it
    figures('retried then recovered', {
      events: 8,
      attempts: metrics.requests,
      retries: metrics.requests - 8,
      dead: 0,
    });
  });

  it('keeps a failing endpoint from slowing the others: its circuit opens, and closes when it recovers', async () => {
    const down = await receiver('down');
    const up = await receiver('up');
    const failing = await registerReceiver(api, down, ['order.created', 'order.completed']);
    const healthy = await registerReceiver(api, up, ['order.created', 'order.completed']);
    await down.refuse();
    const orders = await Promise.all([1, 2, 3].map(() => placeOrder()));
    await settle(orders);

    await waitFor(
      async () => (await metricsOf(healthy.id)).delivered,
      (n) => n === 6,
    );
    // The backlog figure is a reading shared for up to 200 ms: wait for one taken after the circuit opened.
    const view = await waitFor(
      () => debugVars(api),
      (vars) => {
        const endpoint = vars.webhooks.endpoints.find((e: any) => e.id === failing.id);
        return endpoint?.circuit.state !== 'closed' && endpoint?.pending === 6;
      },
    );
    const failingView = view.webhooks.endpoints.find((e: any) => e.id === failing.id);
    expect(failingView).toMatchObject({
      enabled: true,
      host: `127.0.0.1:${down.port}`,
      events: 6,
      pending: 6,
      delivered: 0,
      dead: 0,
      circuit: { state: expect.stringMatching(/open/), consecutiveFailures: expect.any(Number) },
      successes: 0,
      failures: 0,
      errors: expect.any(Number),
    });
    expect(failingView.circuit.consecutiveFailures).toBeGreaterThanOrEqual(5);
    expect(failingView.recentFailures[0]).toEqual({
      at: expect.any(String),
      eventId: expect.any(String),
      attempt: expect.any(Number),
      statusCode: null,
      error: `connect ECONNREFUSED 127.0.0.1:${down.port}`,
    });
    expect(failingView.recentFailures.length).toBeLessThanOrEqual(10);
    // Host only: the path and query (which may carry a token) and the secret never show.
    expect(JSON.stringify(view)).not.toMatch(/token=|\/hooks\/|whsec_/);

    await down.listen();
    const endpointView = async () =>
      (await debugVars(api)).webhooks.endpoints.find((e: any) => e.id === failing.id);
    const recovered = await waitFor(endpointView, (e) => e.successes === 6 && e.pending === 0, 20_000);
    expect(recovered).toMatchObject({
      events: 6,
      delivered: 6,
      pending: 0,
      circuit: { state: 'closed', consecutiveFailures: 0 },
      successes: 6,
    });
    expect(recovered.statuses).toEqual({ '200 OK': 6 });
    for (const id of orders)
      expect(deliveredTypesByOrder(down).get(id)).toEqual(['order.created', 'order.completed']);
    await disable(failing.id);
    await disable(healthy.id);
  });

  it('writes no event for a change that rolled back', async () => {
    // The first transaction writing an order.completed event fails when it commits (a deferred trigger):
    // the saga retries the step, and only the committed event exists and is delivered.
    await api.db.query(`
      CREATE SEQUENCE webhook_test_commit_failures;
      CREATE FUNCTION webhook_test_fail_first_completion() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.type = 'order.completed' AND nextval('webhook_test_commit_failures') = 1 THEN
          RAISE EXCEPTION 'simulated failure at commit';
        END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER webhook_test_fail_first_completion AFTER INSERT ON webhook_events
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION webhook_test_fail_first_completion();`);
    const sink = await receiver('rollback');
    const endpoint = await registerReceiver(api, sink, ['order.completed']);
    try {
      const order = await placeOrder();
      await settle([order]);
      await waitFor(
        async () => (await metricsOf(endpoint.id)).delivered,
        (n) => n === 1,
      );
      const [{ failures }] = await api.db.query<{ failures: string }>(
        'SELECT last_value AS failures FROM webhook_test_commit_failures',
      );
      expect(Number(failures)).toBe(2); // the first commit failed, the retry committed
      const events = await api.db.query('SELECT type FROM webhook_events WHERE order_id = $1', [order]);
      expect(events).toEqual([{ type: 'order.completed' }]);
      const history = await api.db.query(
        `SELECT count(*)::int AS n FROM order_status_history WHERE order_id = $1 AND to_status = 'COMPLETED'`,
        [order],
      );
      expect(history).toEqual([{ n: 1 }]);
      expect(sink.received.map((d) => d.type)).toEqual(['order.completed']);
      expect((await metricsOf(endpoint.id)).events).toBe(1); // the rolled-back one was never counted
    } finally {
      await api.db.query('DROP TRIGGER webhook_test_fail_first_completion ON webhook_events');
      await disable(endpoint.id);
    }
  });

  it('refuses at connect time a name that now resolves to a private address (DNS rebinding)', async () => {
    const target = await receiver('rebinding');
    // Registered when the name pointed elsewhere; it resolves to loopback now. Only 127.0.0.1 is allowed.
    const [{ id }] = await api.db.query<{ id: string }>(
      `INSERT INTO webhook_endpoints (id, url, secret, event_types)
       VALUES (gen_random_uuid(), $1, 'whsec_x', '{order.created}') RETURNING id`,
      [`http://localhost:${target.port}/hooks/rebinding`],
    );
    await settle([await placeOrder()]);
    await waitFor(
      async () => (await metricsOf(id)).errors,
      (n) => n >= 2,
    );
    const [delivery] = await api.db.query<{ last_error: string; status: string }>(
      'SELECT last_error, status FROM webhook_deliveries WHERE endpoint_id = $1',
      [id],
    );
    expect(delivery).toEqual({
      status: 'pending',
      last_error: 'localhost resolves to a private, loopback, link-local or metadata address',
    });
    expect(target.received).toEqual([]);
    await disable(id);
  });
});

import { startWebhookReceiver, type WebhookReceiver } from '../../../test/support/webhook-receiver';
import { waitFor } from '../../../tooling/wait-for';
import { isTerminalStatus, OPERATOR, orderBody, startApi, type RunningApi } from './support/api-harness';
import {
  COMPLETED_ORDER_EVENTS,
  endpointMetrics,
  FAST_WEBHOOKS,
  figures,
  registerReceiver,
  scrape,
  settled,
} from './support/webhook-fixtures';

/**
 * Events that cannot be delivered end `dead` — after the maximum age, or at once when the receiver says it
 * will never take them (a 4xx other than 408 and 429) — and operators deliver them again.
 */
describe('webhook delivery: dead events and redelivery', () => {
  let api: RunningApi;
  const receivers: WebhookReceiver[] = [];
  const admin = (method: string, path: string, body?: unknown) =>
    api.request(method, `/admin/webhooks${path}`, { as: OPERATOR, body });
  const metricsOf = async (endpoint: string) => endpointMetrics(await scrape(api), endpoint);

  beforeAll(async () => {
    api = await startApi({ ...FAST_WEBHOOKS, WEBHOOK_MAX_AGE_MS: '1500' });
  });

  afterAll(async () => {
    await api?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('gives an event up after the maximum age, and delivers it again when an operator redelivers it', async () => {
    const failing = await startWebhookReceiver('dead');
    receivers.push(failing);
    failing.answer(503);
    const endpoint = await registerReceiver(api, failing);
    const placed = await api.request('POST', '/orders', { body: orderBody() });
    await api.waitForOrder(placed.body.id, isTerminalStatus);

    // The first event is retried until it is 1.5 s old, then dead. The later ones waited behind it (one
    // order's events go in order) and are about as old by then: one or two attempts give them up.
    const dead = await waitFor(
      () => metricsOf(endpoint.id),
      (m) => m.dead === 4 && m.pending === 0 && settled(m),
      20_000,
    );
    const attempts = failing.received.length;
    const attemptsOf = (type: string) => failing.received.filter((d) => d.type === type).length;
    const firstAttempts = attemptsOf('order.created');
    expect(firstAttempts).toBeGreaterThanOrEqual(4);
    for (const type of COMPLETED_ORDER_EVENTS.slice(1)) expect([1, 2]).toContain(attemptsOf(type));
    expect(dead).toEqual({
      events: 4,
      pending: 0,
      successes: 0,
      failures: attempts,
      errors: 0,
      statuses: { '503': attempts },
      delivered: 0,
      dead: 4,
      oldestPendingAge: 0,
      requests: attempts,
    });
    const listed = await admin('GET', `/${endpoint.id}/deliveries?status=dead`);
    expect(listed.body.items.map((d: any) => d.type)).toEqual([...COMPLETED_ORDER_EVENTS].reverse());
    const created = listed.body.items.at(-1);
    expect(created).toMatchObject({
      status: 'dead',
      attempts: firstAttempts,
      lastStatusCode: 503,
      lastError: 'HTTP 503 Service Unavailable',
      deadAt: expect.any(String),
      nextAttemptAt: null,
    });
    // Paged: two per page, newest first.
    const page = await admin('GET', `/${endpoint.id}/deliveries?status=dead&limit=2`);
    const next = await admin(
      'GET',
      `/${endpoint.id}/deliveries?status=dead&limit=2&cursor=${page.body.nextCursor}`,
    );
    expect([...page.body.items, ...next.body.items].map((d: any) => d.eventId)).toEqual(
      listed.body.items.map((d: any) => d.eventId),
    );

    // The endpoint is fixed; the operator redelivers the first event: pending again, then delivered.
    failing.answer('hang');
    const redelivered = await admin('POST', `/${endpoint.id}/deliveries/${created.eventId}/redeliver`);
    expect([redelivered.status, redelivered.body]).toEqual([
      202,
      { eventId: created.eventId, status: 'pending' },
    ]);
    await waitFor(
      async () => failing.received.at(-1)?.answer,
      (answer) => answer === 'hang',
    );
    const again = await admin('POST', `/${endpoint.id}/deliveries/${created.eventId}/redeliver`);
    expect([again.status, again.body.code]).toEqual([409, 'WEBHOOK_DELIVERY_PENDING']);
    failing.answer(200);
    await waitFor(
      async () => (await metricsOf(endpoint.id)).delivered,
      (n) => n === 1,
    );
    const delivered = failing.received.filter((d) => d.answer === 200);
    expect(delivered.map((d) => [d.eventId, d.attempt])).toEqual([[created.eventId, firstAttempts + 2]]);
    expect(delivered[0].signatureValid).toBe(true);
    const after = await admin('GET', `/${endpoint.id}/deliveries`);
    expect(after.body.items.map((d: any) => d.status)).toEqual(['dead', 'dead', 'dead', 'delivered']);
    const final = await waitFor(
      () => metricsOf(endpoint.id),
      (m) => m.pending === 0 && m.delivered === 1 && settled(m),
    );
    expect(final).toMatchObject({
      events: 4,
      successes: 1,
      errors: 1,
      failures: attempts,
      dead: 4,
      delivered: 1,
    });
    figures('dead after max age, redelivered', {
      events: 4,
      attempts: final.requests,
      retries: attempts - 4,
      dead: 4,
      redelivered: 1,
    });
    await admin('POST', `/${endpoint.id}/disable`);
  });

  it('gives up at once on a 4xx other than 408 and 429', async () => {
    const gone = await startWebhookReceiver('gone');
    receivers.push(gone);
    gone.answer(410);
    const endpoint = await registerReceiver(api, gone, ['order.created']);
    await api.request('POST', '/orders', { body: orderBody() });
    await waitFor(
      async () => (await metricsOf(endpoint.id)).dead,
      (n) => n === 1,
    );
    expect(await metricsOf(endpoint.id)).toMatchObject({
      events: 1,
      failures: 1,
      statuses: { '410': 1 },
      dead: 1,
    });
    expect(gone.received).toHaveLength(1);
    figures('410 Gone', { events: 1, attempts: 1, retries: 0, dead: 1 });
  });

  it('gives up events past the maximum age that nobody retries (an endpoint whose circuit stays open)', async () => {
    const idle = await startWebhookReceiver('expired');
    receivers.push(idle);
    const endpoint = await registerReceiver(api, idle, ['order.cancelled']);
    const placed = await api.request('POST', '/orders', { body: orderBody() });
    // An event attempted once an hour ago whose next attempt is not due (as while a circuit is open): only
    // its age can end it.
    const [event] = await api.db.query<{ seq: string; id: string }>(
      `INSERT INTO webhook_events (id, type, order_id, payload, created_at)
       VALUES (gen_random_uuid(), 'order.cancelled', $1, '{}', now() - interval '1 hour') RETURNING seq, id`,
      [placed.body.id],
    );
    await api.db.query(
      `INSERT INTO webhook_deliveries (event_seq, endpoint_id, order_id, attempts, last_error, next_attempt_at)
       VALUES ($1, $2, $3, 1, 'HTTP 503 Service Unavailable', now() + interval '1 day')`,
      [event.seq, endpoint.id, placed.body.id],
    );
    const dead = await waitFor(
      () => metricsOf(endpoint.id),
      (m) => m.dead === 1 && m.pending === 0 && settled(m),
    );
    expect(dead).toMatchObject({ dead: 1, successes: 0, failures: 0, errors: 0 });
    const listed = await admin('GET', `/${endpoint.id}/deliveries?status=dead`);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ eventId: event.id, attempts: 1, lastError: 'HTTP 503 Service Unavailable' }),
    ]);
    expect(idle.received).toEqual([]);
    figures('expired without a retry', { events: 1, attempts: 1, retries: 0, dead: 1 });
  });
});

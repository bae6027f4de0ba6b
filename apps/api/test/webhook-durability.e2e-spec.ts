import { WEBHOOK_DELIVER_SPAN, WEBHOOK_METRICS } from '@app/webhooks';
import { OPERATOR } from '../../../tooling/tokens';
import { requestJson } from '../../../tooling/json-request';
import { startOtlpReceiver, type OtlpReceiver } from '../../../test/support/otlp-receiver';
import { parseExposition, valueOf } from '../../../tooling/prometheus-text';
import { orderBody } from '../../../tooling/order-requests';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { waitFor } from '../../../tooling/wait-for';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/support/webhook-receiver';
import { startApiProcess, type ApiProcess } from '../../../tooling/app-processes';
import {
  COMPLETED_ORDER_EVENTS,
  deliveredTypesByOrder,
  FAST_WEBHOOKS,
  figures,
} from './support/webhook-fixtures';

/** The complete lines written so far (a line still being written is left for the next read). */
const asJson = (output: string) =>
  output
    .slice(0, output.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, any>);

/** An API child process's client: requests as a customer or the operator, and its metrics. */
function client(api: ApiProcess) {
  return {
    async request(method: string, path: string, body?: unknown, as: typeof OPERATOR | string = 'c-42') {
      return requestJson(api.baseUrl, method, path, { body, headers: await api.tokens.headers(as) });
    },
    async metrics() {
      const port = /metrics on http:\/\/[^:]+:(\d+)\//.exec(api.output())![1];
      return parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    },
  };
}

/**
 * The outbox across process deaths and replicas, with the real entry point in child processes: an API
 * killed between commit and delivery loses nothing (restarted, it delivers), and two APIs on one database
 * never make the same attempt twice.
 */
describe('webhook delivery across processes', () => {
  const dbs: TestDatabase[] = [];
  const processes: ApiProcess[] = [];
  const receivers: WebhookReceiver[] = [];
  let otlp: OtlpReceiver;

  const start = async (db: TestDatabase, env: Record<string, string> = {}) => {
    const api = await startApiProcess({
      DATABASE_URL: db.url,
      ...FAST_WEBHOOKS,
      WEBHOOK_TIMEOUT_MS: '1000',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      ...env,
    });
    processes.push(api);
    return api;
  };
  const placeOrders = async (api: ApiProcess, count: number) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const placed = await client(api).request('POST', '/orders', orderBody());
      expect(placed.status).toBe(202);
      ids.push(placed.body.id);
    }
    return ids;
  };
  const register = async (api: ApiProcess, receiver: WebhookReceiver) => {
    const created = await client(api).request(
      'POST',
      '/admin/webhooks',
      { url: receiver.url, eventTypes: COMPLETED_ORDER_EVENTS },
      OPERATOR,
    );
    expect(created.status).toBe(201);
    receiver.secret = created.body.secret;
    return created.body.id as string;
  };

  beforeAll(async () => {
    otlp = await startOtlpReceiver();
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await Promise.all(receivers.map((r) => r.close()));
    await otlp?.close();
    await Promise.all(dbs.map((db) => db.drop()));
  });

  it('loses no event when the API is killed between commit and delivery: restarted, it delivers them all', async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    const receiver = await startWebhookReceiver('durable');
    receivers.push(receiver);
    receiver.answer('hang'); // the first attempt is in flight when the process dies
    const first = await start(db);
    const endpoint = await register(first, receiver);
    const orders = await placeOrders(first, 2);
    const committed = await waitFor(
      () =>
        db.query<{ status: string; leased: boolean }>(
          'SELECT status, leased_until > now() AS leased FROM webhook_deliveries',
        ),
      (rows) => rows.length === 8 && rows.some((r) => r.leased),
    );
    expect(committed.every((r) => r.status === 'pending')).toBe(true);
    expect(receiver.received.length).toBeGreaterThan(0);
    // The placements' server spans have left the process (its export runs on a timer): a kill loses the
    // spans still queued, and the deliveries below are checked against the traces these spans start.
    await waitFor(
      async () => {
        const traces = new Set(
          otlp.spans.filter((s) => orders.includes(String(s.attributes['order.id']))).map((s) => s.traceId),
        );
        return otlp.spans.filter(
          (s) => s.kind === 2 && s.attributes['http.route'] === '/orders' && traces.has(s.traceId),
        );
      },
      (placements) => placements.length === orders.length,
    );
    expect(await first.stop('SIGKILL')).toBeNull();
    const audit = asJson(first.output()).find((l) => l['event.action'] === 'webhook-endpoint-created');
    expect(audit).toMatchObject({
      'user.id': 'ops-1',
      'webhook.endpoint_id': endpoint,
      'url.domain': '127.0.0.1',
    });

    // The endpoint is down when the API comes back: connection refused, retried, then delivered.
    receiver.answer(200);
    await receiver.refuse();
    const second = await start(db);
    await waitFor(
      async () => second.output(),
      (output) => output.includes('connect ECONNREFUSED'),
    );
    await receiver.listen();
    await waitFor(
      async () => receiver.delivered().size,
      (n) => n === 8,
      30_000,
    );
    const byOrder = deliveredTypesByOrder(receiver);
    for (const id of orders) expect(byOrder.get(id)).toEqual(COMPLETED_ORDER_EVENTS);
    for (const deliveries of receiver.delivered().values()) expect(deliveries).toHaveLength(1);
    expect(receiver.received.every((d) => d.signatureValid)).toBe(true);

    // Each delivery is logged once its response is in; stdout is written asynchronously, so the last
    // lines may reach the pipe just after the receiver saw the last request.
    const isDelivery = (l: Record<string, unknown>) => String(l.message).startsWith('delivered event');
    const lines = await waitFor(
      async () => asJson(second.output()),
      (all) => all.filter(isDelivery).length >= 8,
    );
    // The log line for a failing endpoint, as ECS with the event, endpoint, attempt and trace ids.
    const refused = lines.find((l) => /^error delivering event .* connect ECONNREFUSED/.test(l.message));
    expect(refused).toMatchObject({
      'log.level': 'warn',
      message: expect.stringMatching(
        new RegExp(
          `^error delivering event [0-9a-f-]{36} to endpoint ${endpoint}: connect ECONNREFUSED 127\\.0\\.0\\.1:${receiver.port}, retrying in \\d+\\.\\ds$`,
        ),
      ),
      'webhook.event_id': expect.any(String),
      'webhook.endpoint_id': endpoint,
      'webhook.attempt': expect.any(Number),
      'trace.id': expect.stringMatching(/^[0-9a-f]{32}$/),
      'span.id': expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    const delivered = lines.filter(isDelivery);
    expect(delivered).toHaveLength(8);
    expect(JSON.stringify(lines)).not.toMatch(/token=secret-in-query|whsec_/);

    // Each delivery is a CLIENT span continuing the trace of the change that wrote the event.
    const created = receiver.received.find((d) => d.type === 'order.created' && d.answer === 200)!;
    const spans = await waitFor(
      async () =>
        otlp.spans.filter(
          (s) => s.name === WEBHOOK_DELIVER_SPAN && s.attributes['webhook.event_id'] === created.eventId,
        ),
      (found) => found.some((s) => s.attributes['http.response.status_code'] === 200),
    );
    const success = spans.find((s) => s.attributes['http.response.status_code'] === 200)!;
    expect(success).toMatchObject({
      kind: 3,
      attributes: {
        'webhook.endpoint_id': endpoint,
        'webhook.attempt': created.attempt,
        'webhook.event_type': 'order.created',
        'order.id': created.orderId,
      },
    });
    const placement = otlp.spans.find(
      (s) => s.kind === 2 && s.attributes['http.route'] === '/orders' && s.traceId === success.traceId,
    );
    expect(placement).toBeDefined();
    expect(String(created.headers.traceparent)).toContain(success.traceId);
    figures('SIGKILL between commit and delivery', {
      events: 8,
      attempts: receiver.received.length + lines.filter((l) => /ECONNREFUSED/.test(l.message)).length,
      received: receiver.received.length,
      dead: 0,
    });
  });

  it('never lets two API processes on one database make the same attempt', async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    const receiver = await startWebhookReceiver('replicas');
    receivers.push(receiver);
    receiver.delayMs = 20;
    let calls = 0;
    receiver.answer(() => (++calls % 4 === 0 ? 500 : 200)); // every 4th call fails: retries, too
    const env = {
      WEBHOOK_CONCURRENCY_PER_ENDPOINT: '2',
      WEBHOOK_POLL_INTERVAL_MS: '20',
      // Two inline engines on one database, on purpose: each runs the sagas of the orders it accepted
      // (none is unfinished at start); what is tested here is their two webhook dispatchers.
      INLINE_ENGINE_EXCLUSIVE: 'false',
    };
    const a = await start(db, env);
    const b = await start(db, env);
    await register(a, receiver);
    const orders = (await Promise.all([placeOrders(a, 8), placeOrders(b, 8)])).flat();
    await waitFor(
      async () => receiver.delivered().size,
      (n) => n === orders.length * 4,
      60_000,
    );

    const hits = new Map<string, number>();
    for (const d of receiver.received)
      hits.set(`${d.eventId}#${d.attempt}`, (hits.get(`${d.eventId}#${d.attempt}`) ?? 0) + 1);
    expect([...hits.values()].filter((n) => n > 1)).toEqual([]);
    for (const deliveries of receiver.delivered().values()) expect(deliveries).toHaveLength(1);
    const byOrder = deliveredTypesByOrder(receiver);
    for (const id of orders) expect(byOrder.get(id)).toEqual(COMPLETED_ORDER_EVENTS);

    // Both replicas delivered, and together they made exactly the attempts the receiver saw.
    const attemptsOf = async (api: ApiProcess) =>
      valueOf(await client(api).metrics(), WEBHOOK_METRICS.attempts);
    const eventsOf = async (api: ApiProcess) => valueOf(await client(api).metrics(), WEBHOOK_METRICS.events);
    // (A request is recorded by the receiver before its sender has read the answer: wait for the last.)
    const [byA, byB] = await waitFor(
      () => Promise.all([attemptsOf(a), attemptsOf(b)]),
      ([x, y]) => x + y === receiver.received.length,
    );
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect((await eventsOf(a)) + (await eventsOf(b))).toBe(orders.length * 4);
    figures('two replicas', {
      events: orders.length * 4,
      attempts: receiver.received.length,
      retries: receiver.received.length - orders.length * 4,
      byA,
      byB,
      dead: 0,
    });
  });
});

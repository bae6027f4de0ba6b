import { INVENTORY_SQL } from '@app/inventory';
import { type OtlpReceiver, type ReceivedSpan } from '../../../test/support/otlp-receiver';
import { parseExposition, valueOf, type Exposition } from '../../../tooling/prometheus-text';
import { waitFor } from '../../../tooling/wait-for';
import { DECLINED_CARD, OPERATOR, orderBody } from './support/api-harness';
import type { ApiProcess } from '../../../tooling/app-processes';
import { startTracedApi, type TracedApi } from './support/traced-api';

const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;
/** The API's span export accounting on its metrics port, once the queue has drained into `receiver`. */
const drainedSpanMetrics = (metricsPort: number, receiver: OtlpReceiver) =>
  waitFor(
    async () => parseExposition(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()),
    (metrics: Exposition) =>
      valueOf(metrics, 'otel_spans_ended_total') > 0 &&
      valueOf(metrics, 'otel_spans_ended_total') ===
        valueOf(metrics, 'otel_spans_exported_total') + valueOf(metrics, 'otel_spans_dropped_total') &&
      receiver.spans.length === valueOf(metrics, 'otel_spans_exported_total'),
    15_000,
    100,
  );

const SAGA_STEPS = [
  'saga.reserveInventory',
  'saga.chargePayment',
  'saga.arrangeShipping',
  'saga.completeOrder',
];

/**
 * Traces of the real app (child process, as it runs in production), exported over
 * OTLP/HTTP to a local receiver, with real PostgreSQL.
 */
describe('tracing (child process → local OTLP receiver, real PostgreSQL)', () => {
  let traced: TracedApi;
  let receiver: OtlpReceiver;
  let api: ApiProcess;
  let metricsPort: number;

  const post = async (body: unknown) =>
    fetch(`${api.baseUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await api.tokens.headers()) },
      body: JSON.stringify(body),
    });
  const finalOrder = async (location: string) =>
    waitFor(
      async () =>
        (
          await fetch(`${api.baseUrl}${location}`, { headers: await api.tokens.headers() })
        ).json() as Promise<{
          id: string;
          status: string;
        }>,
      (o) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(o.status),
      20_000,
      100,
    );
  const traceOf = (orderId: string) =>
    waitFor(
      async () => {
        const root = receiver.spans.find((s) =>
          s.name === 'saga.completeOrder' || s.name === 'saga.failOrder'
            ? s.attributes['order.id'] === orderId
            : false,
        );
        return root ? receiver.spans.filter((s) => s.traceId === root.traceId) : [];
      },
      // The saga's own span ends after its last step's, so it may reach the receiver in a later export.
      (spans) =>
        spans.some((s) => s.kind === SERVER && s.attributes['http.route'] === '/orders') &&
        spans.some((s) => s.name === 'saga.run'),
      15_000,
      100,
    );

  beforeAll(async () => {
    metricsPort = 20_000 + Math.floor(Math.random() * 20_000);
    traced = await startTracedApi({
      METRICS_PORT: String(metricsPort),
      OTEL_SERVICE_NAME: 'orders-api-under-test',
      NODE_ENV: 'test',
    });
    ({ receiver, api } = traced);
  });
  afterAll(async () => {
    await traced?.stop();
  });

  it('puts one order, from POST /orders through every saga step and its SQL, in one trace', async () => {
    const response = await post(orderBody());
    expect(response.status).toBe(202);
    const order = await finalOrder(response.headers.get('location')!);
    expect(order.status).toBe('COMPLETED');
    const spans = await traceOf(order.id);
    const names = spans.map((s) => s.name);

    const server = spans.find((s) => s.kind === SERVER)!;
    expect(server.name).toBe('POST /orders');
    expect(server.attributes).toMatchObject({
      'http.route': '/orders',
      'http.request.method': 'POST',
      'http.response.status_code': 202,
    });
    expect(server.resource).toMatchObject({
      'service.name': 'orders-api-under-test',
      'service.version': expect.any(String),
      'deployment.environment.name': 'test',
    });
    expect(names).toContain('saga.run');
    for (const step of SAGA_STEPS) {
      const span = spans.find((s) => s.name === step);
      expect({ step, orderId: span?.attributes['order.id'] }).toEqual({ step, orderId: order.id });
    }
    const charge = spans.find((s) => s.name === 'saga.chargePayment')!;
    expect(charge.attributes).toMatchObject({
      'order.total': 4980,
      'order.currency': 'EUR',
      'payment.method': 'card',
    });
    expect(charge.events.map((e) => e.name)).toContain('payment.captured');
    const sql = spans.filter((s) => s.kind === CLIENT && s.name.startsWith('pg.query'));
    expect(sql.length).toBeGreaterThan(5);
    expect(sql.map((s) => s.attributes['db.query.text'])).toContain(INVENTORY_SQL.take); // the reservation
    expect(new Set(sql.map((s) => s.scope))).toEqual(new Set(['@app/database'])); // no second span per statement
    // The handler's span, under the server span, carries the domain ids the handler declares (@LogContext).
    expect(spans.find((s) => s.name === 'OrdersController.place')?.attributes['order.id']).toBe(order.id);
  });

  it("records the trace that placed an order, which operators read on the order's admin view", async () => {
    const response = await post(orderBody());
    const order = await finalOrder(response.headers.get('location')!);
    const spans = await traceOf(order.id);
    const server = spans.find((s) => s.kind === SERVER && s.attributes['http.route'] === '/orders')!;

    const admin = await fetch(`${api.baseUrl}/admin/orders/${order.id}`, {
      headers: await api.tokens.headers(OPERATOR),
    });

    expect(admin.status).toBe(200);
    expect(((await admin.json()) as { traceId: string | null }).traceId).toBe(server.traceId);
  });

  it('marks a declined payment as an ERROR span carrying the decline event', async () => {
    const response = await post(
      orderBody({ payment: { ...orderBody().payment, cardNumber: DECLINED_CARD, cvv: '9731' } }),
    );
    const order = await finalOrder(response.headers.get('location')!);
    expect(order.status).toBe('FAILED');
    const spans = await traceOf(order.id);
    const charge = spans.find((s) => s.name === 'saga.chargePayment')!;
    expect(charge.status.code).toBe(ERROR);
    expect(charge.events.map((e) => e.name)).toEqual(
      expect.arrayContaining(['payment.declined', 'exception']),
    );
    expect(charge.events.find((e) => e.name === 'payment.declined')?.attributes['payment.decline_code']).toBe(
      'card_declined',
    );
    expect(spans.find((s) => s.name === 'saga.failOrder')?.attributes['order.failure_reason']).toBe(
      'PAYMENT_DECLINED',
    );
  });

  it('continues an incoming W3C trace context', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await fetch(`${api.baseUrl}/products`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    const server = await waitFor(
      async () => receiver.spans.find((s) => s.traceId === traceId && s.kind === SERVER),
      (s) => s !== undefined,
      10_000,
      100,
    );
    expect(server!.parentSpanId).toBe('00f067aa0ba902b7');
  });

  it('names the trace of a failed request in its problem details', async () => {
    const traceId = '5bf92f3577b34da6a3ce929d0e0e4737';
    const continued = await fetch(`${api.baseUrl}/orders/00000000-0000-4000-8000-000000000000`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, ...(await api.tokens.headers()) },
    });
    expect([continued.status, continued.headers.get('content-type')]).toEqual([
      404,
      'application/problem+json',
    ]);
    expect(await continued.json()).toMatchObject({ code: 'ORDER_NOT_FOUND', traceId });

    const own = await fetch(`${api.baseUrl}/nothing-here`); // no caller's trace: one of its own
    const problem = (await own.json()) as { traceId: string };
    expect(problem).toMatchObject({
      status: 404,
      code: 'ROUTE_NOT_FOUND',
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    const server = await waitFor(
      async () => receiver.spans.find((s) => s.traceId === problem.traceId && s.kind === SERVER),
      (s) => s !== undefined,
      10_000,
      100,
    );
    expect(server!.attributes['http.response.status_code']).toBe(404);
  });

  it('never puts a card number, CVV or authorization header in any span', async () => {
    const everything = JSON.stringify(receiver.spans.map((s: ReceivedSpan) => [s.attributes, s.events]));
    expect(receiver.spans.length).toBeGreaterThan(50);
    expect(everything).not.toContain('4242424242424242');
    expect(everything).not.toContain(DECLINED_CARD);
    expect(everything).not.toContain((await api.tokens.token()).split('.')[2]);
    expect(everything).not.toMatch(/"(card_?number|cvv|cardNumber)"/i);
    for (const span of receiver.spans) expect(Object.values(span.attributes)).not.toContain('9731');
  });

  it('accounts for every sampled span on /metrics: all exported, gzipped, none dropped', async () => {
    const metrics = await drainedSpanMetrics(metricsPort, receiver);
    expect(valueOf(metrics, 'otel_spans_exported_total')).toBe(receiver.spans.length);
    for (const reason of ['queue_full', 'export_failed', 'shutdown'])
      expect({ reason, dropped: valueOf(metrics, 'otel_spans_dropped_total', { reason }) }).toEqual({
        reason,
        dropped: 0,
      });
    expect(valueOf(metrics, 'otel_span_export_failures_total')).toBe(0);
    expect(valueOf(metrics, 'otel_span_queue_capacity')).toBe(16_384);
    expect(valueOf(metrics, 'otel_span_export_seconds_total')).toBeGreaterThan(0);
    expect(new Set(receiver.encodings)).toEqual(new Set(['gzip']));
  });

  it('links latency samples to traces with exemplars under OpenMetrics', async () => {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, {
      headers: { accept: 'application/openmetrics-text; version=1.0.0' },
    });
    const body = await response.text();
    const exemplars = [
      ...body.matchAll(
        /^http_request_duration_seconds_bucket\{[^}]*\} \d+ # \{trace_id="([0-9a-f]{32})"\}/gm,
      ),
    ].map((m) => m[1]);
    expect(exemplars.length).toBeGreaterThan(0);
    const exportedTraceIds = new Set(receiver.spans.map((s) => s.traceId));
    expect(exemplars.some((id) => exportedTraceIds.has(id))).toBe(true);
  });
});

describe('parent-based ratio sampling from the standard OTEL_* variables (child process)', () => {
  let traced: TracedApi;
  let receiver: OtlpReceiver;
  let api: ApiProcess;
  const metricsPort = 20_000 + Math.floor(Math.random() * 20_000);

  beforeAll(async () => {
    traced = await startTracedApi({
      METRICS_PORT: String(metricsPort),
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'none',
    });
    ({ receiver, api } = traced);
  });
  afterAll(async () => {
    await traced?.stop();
  });

  it('follows the caller’s sampling decision and samples nothing on its own at ratio 0', async () => {
    const sampledParent = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    const unsampledParent = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
    await fetch(`${api.baseUrl}/products`); // no parent: ratio 0 → not sampled
    await fetch(`${api.baseUrl}/products`, {
      headers: { traceparent: `00-${unsampledParent}-00f067aa0ba902b7-00` },
    });
    await fetch(`${api.baseUrl}/products`, {
      headers: { traceparent: `00-${sampledParent}-00f067aa0ba902b7-01` },
    });
    await waitFor(
      async () => receiver.spans,
      (spans) => spans.some((s) => s.traceId === sampledParent && s.kind === SERVER),
      10_000,
      100,
    );
    await new Promise((resolve) => setTimeout(resolve, 500)); // one more export round for stragglers
    expect(new Set(receiver.spans.map((s) => s.traceId))).toEqual(new Set([sampledParent]));
    // Unsampled spans are never exported, so never counted: every counted span reached the receiver.
    const metrics = await drainedSpanMetrics(metricsPort, receiver);
    expect(valueOf(metrics, 'otel_spans_ended_total')).toBe(receiver.spans.length);
  });

  it('names the trace of a failed request also when it is not sampled', async () => {
    const response = await fetch(`${api.baseUrl}/nothing-here`);
    expect(response.status).toBe(404);
    const { traceId } = (await response.json()) as { traceId?: string };
    expect(traceId).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
  });

  it('sends uncompressed bodies when OTEL_EXPORTER_OTLP_COMPRESSION=none', () => {
    expect(receiver.encodings.length).toBeGreaterThan(0);
    expect(new Set(receiver.encodings)).toEqual(new Set(['identity']));
  });
});

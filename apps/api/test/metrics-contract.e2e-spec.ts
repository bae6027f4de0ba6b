import { describeWithServers } from '../../../test/support/real-servers';
import { requireServer } from '../../../tooling/real-servers';
import { waitFor } from '../../../tooling/wait-for';
import { spawnSync } from 'node:child_process';
import { MetricsServer } from '@app/observability';
import { SimulatedCarrier } from '@app/shipping';
import { parseExposition, valueOf, type Exposition } from '../../../tooling/prometheus-text';
import { DECLINED_CARD, isTerminalStatus, orderBody, startApi, type RunningApi } from './support/api-harness';

/** Every metric the product documents: type and label names. Histograms are checked through their `_count` series. */
const CONTRACT: Array<[name: string, type: string, labels: string[]]> = [
  ['http_requests_total', 'counter', ['method', 'route', 'status_code']],
  ['http_request_duration_seconds', 'histogram', ['method', 'route', 'status_code']],
  ['http_requests_in_flight', 'gauge', ['method']],
  ['http_handler_outcomes_total', 'counter', ['handler', 'outcome']],
  ['orders_created_total', 'counter', []],
  ['order_processing_seconds', 'histogram', ['outcome']],
  ['orders_by_status', 'gauge', ['status']],
  ['orders_by_status_drift_total', 'counter', ['status']],
  ['orders_by_status_reconciliation_duration_seconds', 'histogram', []],
  ['orders_by_status_last_reconciliation_timestamp_seconds', 'gauge', []],
  ['orders_oldest_unfinished_age_seconds', 'gauge', []],
  ['order_processing_errors_total', 'counter', ['reason']],
  ['payments_processed_total', 'counter', ['status']],
  ['inventory_updates_total', 'counter', ['operation']],
  ['inventory_level', 'gauge', ['sku']],
  ['shipping_arrangement_seconds', 'histogram', ['outcome']],
  ['order_saga_steps_total', 'counter', ['step', 'outcome']],
  ['order_saga_compensations_total', 'counter', ['step']],
  ['order_idempotent_replays_total', 'counter', []],
  ['db_query_duration_seconds', 'histogram', ['operation', 'table', 'outcome']],
  ['db_pool_connections', 'gauge', ['state']],
  ['workflow_activity_duration_seconds', 'histogram', ['activity', 'outcome', 'engine']],
  ['auth_failures_total', 'counter', ['reason']],
  ['rate_limited_requests_total', 'counter', ['limit']],
  ['app_info', 'gauge', ['service', 'version', 'environment', 'runtime_version']],
  ['process_cpu_seconds_total', 'counter', []],
  ['process_resident_memory_bytes', 'gauge', []],
  ['nodejs_eventloop_lag_seconds', 'gauge', []],
  ['nodejs_gc_duration_seconds', 'histogram', ['kind']],
  // No span dropped in silence (what the SpansDropped alert reads).
  ['otel_spans_ended_total', 'counter', []],
  ['otel_spans_exported_total', 'counter', []],
  ['otel_spans_dropped_total', 'counter', ['reason']],
  ['otel_span_export_failures_total', 'counter', []],
  ['otel_span_export_seconds_total', 'counter', []],
  ['otel_span_queue_size', 'gauge', []],
  ['otel_span_queue_capacity', 'gauge', []],
  ['log_lines_dropped_total', 'counter', ['level']],
];

describe('metrics contract (real app, real PostgreSQL, served on the metrics port)', () => {
  let api: RunningApi;
  let metricsUrl: string;
  const scrape = async (accept?: string) => {
    const response = await fetch(metricsUrl, { headers: accept ? { accept } : {} });
    return { contentType: response.headers.get('content-type') ?? '', body: await response.text() };
  };
  const metrics = async (): Promise<Exposition> => parseExposition((await scrape()).body);

  beforeAll(async () => {
    api = await startApi();
    metricsUrl = `http://127.0.0.1:${api.app.get(MetricsServer).port()}/metrics`;
  });
  afterAll(async () => {
    await api?.close();
  });

  it('is not served on the public API port', async () => {
    expect((await api.request('GET', '/metrics')).status).toBe(404);
  });

  it('moves exactly the right series when one order completes', async () => {
    await api.request('GET', '/products'); // the first scrape below then already knows the route
    const before = await metrics();
    const placed = await api.request('POST', '/orders', { body: orderBody() });
    await api.waitForOrder(placed.body.id, isTerminalStatus);
    await api.engine.whenIdle();
    const after = await metrics();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      valueOf(after, name, labels) - valueOf(before, name, labels);

    expect(delta('orders_created_total')).toBe(1);
    expect(delta('http_requests_total', { method: 'POST', route: '/orders', status_code: '202' })).toBe(1);
    expect(delta('http_handler_outcomes_total', { handler: 'OrdersController.place', outcome: 'OK' })).toBe(
      1,
    );
    expect(delta('http_handler_outcomes_total', { handler: 'OrdersController.place' })).toBe(1);
    expect(delta('payments_processed_total', { status: 'captured' })).toBe(1);
    expect(delta('payments_processed_total')).toBe(1);
    expect(delta('inventory_updates_total', { operation: 'reserve' })).toBe(1);
    expect(delta('inventory_updates_total')).toBe(1);
    expect(delta('shipping_arrangement_seconds_count', { outcome: 'booked' })).toBe(1);
    expect(delta('order_processing_seconds_count', { outcome: 'COMPLETED' })).toBe(1);
    expect(delta('order_processing_seconds_count')).toBe(1);
    for (const step of ['reserveInventory', 'chargePayment', 'arrangeShipping', 'completeOrder']) {
      expect(delta('order_saga_steps_total', { step, outcome: 'completed' })).toBe(1);
      expect(
        delta('workflow_activity_duration_seconds_count', {
          activity: step,
          outcome: 'completed',
          engine: 'inline',
        }),
      ).toBe(1);
    }
    expect(delta('order_saga_steps_total')).toBe(4);
    expect(delta('order_processing_errors_total')).toBe(0);
    expect(delta('order_saga_compensations_total')).toBe(0);
    expect(delta('order_idempotent_replays_total')).toBe(0);
    expect(delta('orders_by_status', { status: 'COMPLETED' })).toBe(1);
    expect(delta('inventory_level', { sku: 'SKU-001' })).toBe(-2);
    expect(
      delta('db_query_duration_seconds_count', { operation: 'update', table: 'products' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('counts failures, compensations and replays by reason', async () => {
    const before = await metrics();
    const declined = await api.request('POST', '/orders', {
      body: orderBody({ payment: { ...orderBody().payment, cardNumber: DECLINED_CARD } }),
      headers: { 'Idempotency-Key': 'metrics-declined' },
    });
    await api.waitForOrder(declined.body.id, isTerminalStatus);
    await api.request('POST', '/orders', {
      body: orderBody({ payment: { ...orderBody().payment, cardNumber: DECLINED_CARD } }),
      headers: { 'Idempotency-Key': 'metrics-declined' },
    });
    await api.request('GET', '/orders/00000000-0000-4000-8000-000000000000');
    await api.request('POST', '/orders', { body: orderBody({ items: [{ sku: 'SKU-NOPE', quantity: 1 }] }) });
    api.app.get(SimulatedCarrier).configure({ failureRate: 1 });
    const unshippable = await api.request('POST', '/orders', {
      body: orderBody({ items: [{ sku: 'SKU-003', quantity: 1 }] }),
    });
    await api.waitForOrder(unshippable.body.id, isTerminalStatus, 20_000);
    api.app.get(SimulatedCarrier).configure({ failureRate: 0 });
    await api.engine.whenIdle();
    const after = await metrics();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      valueOf(after, name, labels) - valueOf(before, name, labels);

    expect(delta('order_processing_errors_total', { reason: 'PAYMENT_DECLINED' })).toBe(1);
    expect(delta('order_processing_errors_total', { reason: 'SHIPPING_FAILED' })).toBe(1);
    expect(delta('payments_processed_total', { status: 'declined' })).toBe(1);
    expect(delta('payments_processed_total', { status: 'refunded' })).toBe(1);
    expect(delta('order_saga_compensations_total', { step: 'refundPayment' })).toBe(1);
    expect(delta('order_saga_compensations_total', { step: 'releaseInventory' })).toBe(2);
    expect(delta('order_idempotent_replays_total')).toBe(1);
    // The handlers' domain outcomes: what the status codes (202, 200, 404, 422) do not tell apart.
    const handled = (handler: string, outcome: string) =>
      delta('http_handler_outcomes_total', { handler: `OrdersController.${handler}`, outcome });
    expect(handled('place', 'IDEMPOTENT_REPLAY')).toBe(1);
    expect(handled('place', 'UNKNOWN_SKU')).toBe(1);
    expect(handled('place', 'OK')).toBe(2);
    expect(handled('get', 'ORDER_NOT_FOUND')).toBe(1);
    expect(delta('order_saga_steps_total', { step: 'chargePayment', outcome: 'PAYMENT_DECLINED' })).toBe(1);
    expect(
      delta('workflow_activity_duration_seconds_count', {
        activity: 'arrangeShipping',
        outcome: 'SHIPPING_FAILED',
      }),
    ).toBe(4);
    expect(delta('shipping_arrangement_seconds_count', { outcome: 'failed' })).toBe(4);
  });

  it('declares every documented metric with its type and label names', async () => {
    // The GC histogram has a series once a collection ran after the process metrics were registered:
    // make some garbage until one has.
    const exposition = await waitFor(
      async () => {
        Array.from({ length: 20_000 }, (_, i) => ({ i, text: `garbage-${i}` }));
        return metrics();
      },
      (current) => current.samples.some((sample) => sample.name === 'nodejs_gc_duration_seconds_count'),
      10_000,
      20,
    );
    for (const [name, type, labels] of CONTRACT) {
      expect({ name, type: exposition.types.get(name) }).toEqual({ name, type });
      const seriesName = type === 'histogram' ? `${name}_count` : name;
      const series = exposition.samples.filter((s) => s.name === seriesName);
      expect({ name, series: series.length > 0 }).toEqual({ name, series: true });
      for (const sample of series)
        expect({ name, labels: Object.keys(sample.labels).sort() }).toEqual({
          name,
          labels: [...labels].sort(),
        });
    }
  });

  it('collapses 1,000 requests to random unknown paths into at most one new route value', async () => {
    const routes = (e: Exposition) =>
      new Set(e.samples.filter((s) => s.name === 'http_requests_total').map((s) => s.labels.route));
    const before = routes(await metrics());
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          fetch(`${api.baseUrl}/scan/${batch}-${i}-${Math.random().toString(36).slice(2)}?q=${i}`),
        ),
      );
    }
    const after = routes(await metrics());
    const added = [...after].filter((r) => !before.has(r));
    expect(added.length).toBeLessThanOrEqual(1);
    expect(after.has('unmatched')).toBe(true);
    expect(
      valueOf(await metrics(), 'http_requests_total', { route: 'unmatched', status_code: '404' }),
    ).toBeGreaterThanOrEqual(1000);
  });

  describeWithServers(['promtool'], 'promtool 3', () => {
    it('passes `promtool check metrics` with no findings', async () => {
      const { contentType, body } = await scrape();
      expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      const check = spawnSync(requireServer('promtool'), ['check', 'metrics'], {
        input: body,
        encoding: 'utf8',
      });
      expect(check.error).toBeUndefined();
      expect({ status: check.status, findings: `${check.stdout}${check.stderr}`.trim() }).toEqual({
        status: 0,
        findings: '',
      });
    });
  });

  it('answers OpenMetrics when the scraper asks for it', async () => {
    const { contentType, body } = await scrape(
      'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5',
    );
    expect(contentType).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    expect(body.endsWith('# EOF\n')).toBe(true);
    expect(body).toContain('# TYPE http_requests counter');
    expect(body).toMatch(/^http_requests_total\{/m);
  });
});

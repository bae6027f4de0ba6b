import { MetricsServer } from '@app/observability';
import { ORDER_STATUSES, OrderStatusCountsMaintenance } from '@app/orders';
import { SimulatedPaymentProvider } from '@app/payments';
import { SimulatedCarrier } from '@app/shipping';
import { parseExposition, valueOf, type Exposition } from '../../../tooling/prometheus-text';
import { DECLINED_CARD, isTerminalStatus, orderBody, startApi, type RunningApi } from './support/api-harness';

/** Statuses whose kept count differs from the count of their orders, both read in one snapshot. */
const MISMATCHES = `WITH actual AS (SELECT status, count(*) AS n FROM orders GROUP BY status),
kept AS (SELECT status, sum(n) AS n FROM (SELECT status, count AS n FROM order_status_counts
           UNION ALL SELECT status, delta FROM order_status_count_deltas) k GROUP BY status)
SELECT status, COALESCE(a.n, 0)::int AS actual, COALESCE(k.n, 0)::int AS kept
  FROM actual a FULL JOIN kept k USING (status) WHERE COALESCE(a.n, 0) <> COALESCE(k.n, 0)`;

/**
 * `orders_by_status` on the real API and inline saga engine: orders placed over HTTP that complete, fail
 * at payment or at shipping and are cancelled keep the counts right at every step, the gauge equals a
 * count of the orders, and a drift is corrected by the reconciliation.
 */
describe('orders_by_status kept as orders change (real app, inline engine, real PostgreSQL)', () => {
  let api: RunningApi;
  let metricsUrl: string;
  const metrics = async (): Promise<Exposition> => parseExposition(await (await fetch(metricsUrl)).text());
  const counted = async (): Promise<Record<string, number>> => {
    const rows = await api.db.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM orders GROUP BY status',
    );
    return Object.fromEntries(
      ORDER_STATUSES.map((status) => [status, rows.find((r) => r.status === status)?.n ?? 0]),
    );
  };
  const exported = (exposition: Exposition) =>
    Object.fromEntries(
      exposition.samples.filter((s) => s.name === 'orders_by_status').map((s) => [s.labels.status, s.value]),
    );

  beforeAll(async () => {
    api = await startApi();
    metricsUrl = `http://127.0.0.1:${api.app.get(MetricsServer).port()}/metrics`;
  });
  afterAll(async () => {
    await api?.close();
  });

  it('counts every order in its status through placement, every step, failures and cancellation', async () => {
    const before = exported(await metrics());
    expect(Object.keys(before).sort()).toEqual([...ORDER_STATUSES].sort());

    const place = async (body = orderBody()) => {
      const placed = await api.request('POST', '/orders', { body });
      expect(placed.status).toBe(202);
      return placed.body.id as string;
    };
    // Completed, declined at payment, and (below) failed at shipping and cancelled: while they run, the
    // kept counts never differ from the orders.
    const watching = { on: true };
    const watched = (async () => {
      const seen: unknown[] = [];
      while (watching.on) seen.push(...(await api.db.query(MISMATCHES)));
      return seen;
    })();
    const ids = [
      ...(await Promise.all(Array.from({ length: 6 }, () => place()))),
      ...(await Promise.all(
        Array.from({ length: 3 }, () =>
          place(orderBody({ payment: { ...orderBody().payment, cardNumber: DECLINED_CARD } })),
        ),
      )),
    ];
    for (const id of ids) await api.waitForOrder(id, isTerminalStatus);

    api.app.get(SimulatedCarrier).configure({ failureRate: 1 });
    const shippingFails = await place();
    expect((await api.waitForOrder(shippingFails, isTerminalStatus)).status).toBe('FAILED');
    api.app.get(SimulatedCarrier).configure({ failureRate: 0 });

    api.app.get(SimulatedPaymentProvider).configure({ latencyMs: 1_000 });
    const cancelled = await place();
    await api.waitForOrder(cancelled, (o) => o.status === 'INVENTORY_RESERVED');
    expect((await api.request('POST', `/orders/${cancelled}/cancel`)).status).toBe(202);
    expect((await api.waitForOrder(cancelled, isTerminalStatus)).status).toBe('CANCELLED');
    api.app.get(SimulatedPaymentProvider).configure({ latencyMs: 5 });
    await api.engine.whenIdle();
    watching.on = false;
    expect(await watched).toEqual([]);

    const truth = await counted();
    expect(truth).toMatchObject({ COMPLETED: 6, CANCELLED: 1 });
    expect(truth.FAILED).toBe(4);
    expect(exported(await metrics())).toEqual(truth);
  });

  it('corrects a drift at the next reconciliation and counts it', async () => {
    // Two orders too many, as if a write had bypassed the triggers (the totals row may not exist yet).
    await api.db.query(`INSERT INTO order_status_counts AS c (status, count) VALUES ('COMPLETED', 2)
                        ON CONFLICT (status) DO UPDATE SET count = c.count + 2`);
    expect(exported(await metrics()).COMPLETED).toBe((await counted()).COMPLETED + 2);
    await api.db.query(
      `UPDATE order_status_count_reconciliation SET reconciled_at = now() - interval '2 hours'`,
    );

    await api.app.get(OrderStatusCountsMaintenance).runOnce();

    const after = await metrics();
    expect(exported(after)).toEqual(await counted());
    expect(valueOf(after, 'orders_by_status_drift_total', { status: 'COMPLETED' })).toBe(2);
    expect(valueOf(after, 'orders_by_status_reconciliation_duration_seconds_count')).toBe(1);
    expect(valueOf(after, 'orders_by_status_last_reconciliation_timestamp_seconds')).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );
  });
});

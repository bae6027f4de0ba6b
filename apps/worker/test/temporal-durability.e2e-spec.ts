import { insertProduct, productStock } from '../../../tooling/order-fixtures';
import { OPERATOR } from '../../../tooling/tokens';
import { orderBody } from '../../../tooling/order-requests';
import { describeWithServers } from '../../../test/support/real-servers';
import { startAppProcess } from '../../../tooling/processes';
import { waitFor } from '../../../tooling/wait-for';
import type { TestDatabase } from '../../../tooling/database';
import { startLiveTopology, type JsonResponse, type LiveTopology } from '../../../tooling/live-topology';

/**
 * Captures per order in the simulated provider's ledger (`simulated_provider_ledger`), which every process
 * shares as a real provider's one ledger is: an order charged twice, by any process, has two captured rows.
 */
async function capturesPerOrder(db: TestDatabase, orderIds: string[]): Promise<Record<string, number>> {
  const rows = await db.query<{ order_id: string; captures: string }>(
    `SELECT order_id, count(*) AS captures FROM simulated_provider_ledger
      WHERE kind = 'charge' AND outcome = 'captured' AND order_id = ANY ($1::uuid[]) GROUP BY order_id`,
    [orderIds],
  );
  const counted = new Map(rows.map((row) => [row.order_id, Number(row.captures)]));
  return Object.fromEntries(orderIds.map((id) => [id, counted.get(id) ?? 0]));
}

/** One line per scenario with what it observed, for the run's record. */
const report = (scenario: string, figures: Record<string, number>) =>
  process.stderr.write(
    `durability: ${scenario}: ${Object.entries(figures)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}\n`,
  );

interface Tally {
  accepted: number;
  COMPLETED: number;
  FAILED: number;
  CANCELLED: number;
}

/**
 * What Temporal is for: orders survive a worker killed mid-saga, a Temporal server restart, Temporal being
 * unreachable and a worker drained on SIGTERM. Every scenario counts what it accepted and how it ended.
 */
describeWithServers(['temporal'], 'durability of the order saga on a real Temporal server', () => {
  let live: LiveTopology;
  const place = (sku: string, quantity: number, customer: string, key?: string) =>
    live.request(
      'POST',
      '/orders',
      orderBody({ items: [{ sku, quantity }] }),
      key ? { 'idempotency-key': key } : {},
      customer,
    );
  const statusOf = async (id: string): Promise<string> => (await live.order(id)).status;
  /** Waits until every order has reserved its stock and waits in its (slowed) charge step. */
  const inChargeStep = (ids: string[]) =>
    waitFor(
      () => Promise.all(ids.map(statusOf)),
      (statuses) => statuses.every((s) => s === 'INVENTORY_RESERVED'),
      15_000,
      50,
    );
  const tally = (orders: Array<{ status: string }>): Tally =>
    orders.reduce<Tally>(
      (counts, order) => ({ ...counts, [order.status]: (counts[order.status as keyof Tally] ?? 0) + 1 }),
      { accepted: orders.length, COMPLETED: 0, FAILED: 0, CANCELLED: 0 },
    );
  /** Stock left plus units sold by COMPLETED orders equals what there was: nothing lost, nothing oversold. */
  const expectStockAddsUp = async (
    sku: string,
    initial: number,
    orders: Array<{ status: string; lines: any[] }>,
  ) => {
    const sold = orders
      .filter((order) => order.status === 'COMPLETED')
      .reduce(
        (units, order) => units + order.lines.reduce((n: number, line: any) => n + line.quantity, 0),
        0,
      );
    expect({ sold, left: await productStock(live.db, sku) }).toEqual({ sold, left: initial - sold });
  };

  beforeAll(async () => {
    live = await startLiveTopology({ workerEnv: { WORKER_SHUTDOWN_GRACE_MS: '15000' } });
  }, 180_000);
  afterEach(async () => {
    await live.clearFaults();
  });
  afterAll(async () => {
    await live?.close();
  }, 60_000);

  it('a worker SIGKILLed mid-saga: a fresh worker finishes every order, no payment is captured twice', async () => {
    await insertProduct(live.db, 'DUR-KILL', 100);
    await live.setFaults({ payment: { latencyMs: 4_000 } }); // every saga waits in its charge step
    const placed = await Promise.all(Array.from({ length: 10 }, (_, i) => place('DUR-KILL', 2, `kill-${i}`)));
    expect(placed.map((r) => r.status)).toEqual(Array(10).fill(202));
    const ids = placed.map((r) => r.body.id as string);
    await inChargeStep(ids);
    await live.worker.stop('SIGKILL');

    // The fault stays stored; clear it so the fresh worker charges at once (its activities are retried).
    expect((await live.request('DELETE', '/admin/faults', undefined, {}, OPERATOR)).status).toBe(200);
    await live.startWorker();
    const finals = await Promise.all(ids.map((id) => live.finalState(id, 90_000)));
    const counts = tally(finals);
    const charged = finals.filter((o) => ['CAPTURED', 'REFUNDED'].includes(o.payment.status)).length;
    const captures = await capturesPerOrder(live.db, ids);
    const charges = Object.values(captures).reduce((sum, n) => sum + n, 0);

    report('worker SIGKILL', {
      ...counts,
      charges,
      ordersCapturedOnce: Object.values(captures).filter((n) => n === 1).length,
      ordersCapturedTwiceOrMore: Object.values(captures).filter((n) => n > 1).length,
    });
    expect(counts).toEqual({ accepted: 10, COMPLETED: 10, FAILED: 0, CANCELLED: 0 });
    // Each charge went to the provider once, whichever worker made it: one capture in the provider's ledger
    // per completed order, and as many captures as orders charged.
    const completed = finals.filter((o) => o.status === 'COMPLETED').map((o) => o.id as string);
    expect(Object.fromEntries(completed.map((id) => [id, captures[id]]))).toEqual(
      Object.fromEntries(completed.map((id) => [id, 1])),
    );
    expect({ charges, charged }).toEqual({ charges: 10, charged: 10 });
    await expectStockAddsUp('DUR-KILL', 100, finals);
  }, 180_000);

  it('the Temporal server stopped and restarted while orders flow: no accepted order is lost', async () => {
    await insertProduct(live.db, 'DUR-RESTART', 1_000);
    const responses: JsonResponse[] = [];
    let flowing = true;
    const flow = (async () => {
      for (let i = 0; flowing; i++) {
        responses.push(await place('DUR-RESTART', 1, `restart-${i}`));
        await new Promise((resolve) => setTimeout(resolve, 50)); // a steady trickle, not a burst
      }
    })();
    const answered = (status: number, atLeast: number, timeoutMs: number) =>
      waitFor(
        async () => responses.filter((r) => r.status === status).length,
        (n) => n >= atLeast,
        timeoutMs,
        50,
      );
    await answered(202, 5, 20_000);
    await live.temporal.stop();
    const acceptedBeforeStop = responses.filter((r) => r.status === 202).length;
    await answered(503, 3, 30_000); // while it is down, orders are refused with 503 (never a hang)
    await live.temporal.start();
    await answered(202, acceptedBeforeStop + 5, 60_000);
    flowing = false;
    await flow;

    expect(new Set(responses.map((r) => r.status))).toEqual(new Set([202, 503]));
    const refused = responses.filter((r) => r.status === 503);
    for (const response of refused) expect(response.body.code).toBe('WORKFLOW_ENGINE_UNAVAILABLE');
    const accepted = responses.filter((r) => r.status === 202).map((r) => r.body.id as string);
    const finals = await Promise.all(accepted.map((id) => live.finalState(id, 90_000)));
    report('Temporal restart', { ...tally(finals), refused503: refused.length });
    expect(tally(finals)).toEqual({
      accepted: accepted.length,
      COMPLETED: accepted.length,
      FAILED: 0,
      CANCELLED: 0,
    });
    expect(refused.length).toBeGreaterThanOrEqual(3);
    await expectStockAddsUp('DUR-RESTART', 1_000, finals);
  }, 240_000);

  it('Temporal unreachable: readiness 503, orders refused fast with 503; the reconciliation job resumes them', async () => {
    await insertProduct(live.db, 'DUR-DOWN', 100);
    await live.temporal.stop();
    await waitFor(
      async () => (await live.request('GET', '/health/ready')).status,
      (s) => s === 503,
      20_000,
      100,
    );

    const started = Date.now();
    const refused = await Promise.all(
      Array.from({ length: 3 }, (_, i) => place('DUR-DOWN', 1, `down-${i}`, `down-key-${i}`)),
    );
    const elapsedMs = Date.now() - started;
    expect(refused.map((r) => [r.status, r.body.code, r.headers.get('retry-after')])).toEqual(
      Array(3).fill([503, 'WORKFLOW_ENGINE_UNAVAILABLE', '5']),
    );
    expect(elapsedMs).toBeLessThan(15_000); // fails within the engine's call timeout, not a hang
    const pending = await live.db.query<{ id: string; status: string }>(
      `SELECT id, status FROM orders WHERE customer_id LIKE 'down-%'`,
    );
    expect(pending.map((o) => o.status)).toEqual(['PENDING', 'PENDING', 'PENDING']);

    await live.temporal.start();
    await waitFor(
      async () => (await live.request('GET', '/health/ready')).status,
      (s) => s === 200,
      30_000,
      100,
    );
    // The job picks up orders unchanged for RECONCILE_STUCK_AFTER_SECONDS: age these as a quiet night would.
    await live.db.query(
      `UPDATE orders SET updated_at = now() - interval '2 hours' WHERE customer_id LIKE 'down-%'`,
    );
    const job = await startAppProcess('apps/jobs/src/main.ts', /(reconciliation finished)/, {
      DATABASE_URL: live.db.url,
      TEMPORAL_ADDRESS: live.temporal.address,
      TEMPORAL_TASK_QUEUE: live.taskQueue,
      RECONCILE_STUCK_AFTER_SECONDS: '60',
      LOG_LEVEL: 'info',
    });
    expect(await job.exited).toBe(0); // the job exits by itself once the run is done

    const finals = await Promise.all(pending.map((o) => live.finalState(o.id, 60_000)));
    report('Temporal unreachable', {
      refused503: refused.length,
      ...tally(finals),
      refusedWithinMs: elapsedMs,
    });
    expect(tally(finals)).toEqual({ accepted: 3, COMPLETED: 3, FAILED: 0, CANCELLED: 0 });
    await expectStockAddsUp('DUR-DOWN', 100, finals);
  }, 180_000);

  it('a worker SIGTERMed with activities in flight: they finish, readiness is 503 while it drains, it exits 0', async () => {
    await insertProduct(live.db, 'DUR-DRAIN', 100);
    await live.setFaults({ payment: { latencyMs: 3_000 } });
    const placed = await Promise.all(
      Array.from({ length: 5 }, (_, i) => place('DUR-DRAIN', 1, `drain-${i}`)),
    );
    const ids = placed.map((r) => r.body.id as string);
    await inChargeStep(ids);
    const workerUrl = live.workerUrl();
    const draining = live.worker;
    draining.child.kill('SIGTERM');
    const readiness = await waitFor(
      () =>
        fetch(`${workerUrl}/health/ready`).then(
          (r) => r.status,
          () => 0,
        ),
      (status) => status === 503,
      5_000,
      20,
    );
    expect(readiness).toBe(503);
    expect(await draining.stop()).toBe(0);

    // The charges in flight completed before the process exited: each payment is captured.
    const payments = await live.db.query<{ status: string }>(
      `SELECT p.status FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.customer_id LIKE 'drain-%'`,
    );
    expect(payments.map((p) => p.status)).toEqual(Array(5).fill('CAPTURED'));
    expect(draining.output()).not.toMatch(/"log\.level":"(error|fatal)"/);

    await live.clearFaults().catch(() => undefined); // no worker runs to apply it yet
    await live.startWorker();
    const finals = await Promise.all(ids.map((id) => live.finalState(id, 60_000)));
    report('worker SIGTERM', { ...tally(finals), capturedDuringDrain: payments.length });
    expect(tally(finals)).toEqual({ accepted: 5, COMPLETED: 5, FAILED: 0, CANCELLED: 0 });
    await expectStockAddsUp('DUR-DRAIN', 100, finals);
  }, 180_000);
});

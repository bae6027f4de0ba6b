import { randomUUID } from 'node:crypto';
import { orderWorkflowId } from '@app/order-saga';
import type { Client } from '@temporalio/client';
import { insertProduct, productStock } from '../../../tooling/order-fixtures';
import { DECLINED_CARD, orderBody } from '../../../tooling/order-requests';
import { describeWithServers } from '../../../test/support/real-servers';
import { waitFor } from '../../../tooling/wait-for';
import { startLiveTopology, type LiveTopology } from '../../../tooling/live-topology';

/** Activity types in the order the workflow scheduled them, read from the server's own history once it ended. */
async function scheduledActivities(client: Client, orderId: string): Promise<string[]> {
  const handle = client.workflow.getHandle(orderWorkflowId(orderId));
  await handle.result(); // the order row turns final in the last activity, the workflow just after it
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}

/** How many attempts the activity's (only) scheduling took, from its ActivityTaskStarted event. */
async function attemptsOf(client: Client, orderId: string, activity: string): Promise<number> {
  const events = (await client.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory()).events ?? [];
  const scheduled = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity,
  );
  const started = events.find(
    (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled?.eventId),
  );
  return Number(started?.activityTaskStartedEventAttributes?.attempt);
}

describeWithServers(
  ['temporal'],
  'the production topology: API and worker processes on a real Temporal server and PostgreSQL',
  () => {
    let live: LiveTopology;
    let client: Client;
    let db: LiveTopology['db'];
    const request = (...args: Parameters<LiveTopology['request']>) => live.request(...args);
    const placeOrder = (body: Record<string, unknown>, headers: Record<string, string> = {}, as?: string) =>
      request('POST', '/orders', body, headers, as);
    const finalState = (id: string, timeoutMs?: number) => live.finalState(id, timeoutMs);
    const setFaults = (faults: unknown) => live.setFaults(faults);

    beforeAll(async () => {
      live = await startLiveTopology();
      ({ client, db } = live);
      await insertProduct(db, 'LIVE-1', 1_000);
    }, 180_000);

    afterEach(async () => {
      await live.clearFaults();
    });

    afterAll(async () => {
      if (!live) return;
      // Both processes shut down cleanly on SIGTERM with the Temporal server still up.
      expect(await Promise.all([live.worker.stop(), live.api.stop()])).toEqual([0, 0]);
      await live.close();
    }, 60_000);

    it('reports the Temporal engine ready on the API and the worker polling', async () => {
      expect(await request('GET', '/health/ready')).toMatchObject({ status: 200 });
      const workerReady = await fetch(`${live.workerUrl()}/health/ready`);
      expect(workerReady.status).toBe(200);
      expect(await workerReady.json()).toMatchObject({
        status: 'ok',
        info: { database: { status: 'up' }, temporal_worker: { status: 'up', state: 'RUNNING' } },
      });
      const metrics = await fetch(`${live.workerUrl()}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^app_info\{service="orders-worker",[^}]*\} 1$/m);
    });

    it('happy path: one workflow runs the four steps and the order is COMPLETED', async () => {
      const placed = await placeOrder(orderBody({ items: [{ sku: 'LIVE-1', quantity: 2 }] }));
      expect(placed.status).toBe(202);
      const order = await finalState(placed.body.id);
      expect(order).toMatchObject({ status: 'COMPLETED', payment: { status: 'CAPTURED' } });
      expect(order.shipment.trackingNumber).toMatch(/^SIM/);
      // The order row is COMPLETED by the last activity; the workflow completes just after it.
      const handle = client.workflow.getHandle(orderWorkflowId(order.id));
      expect(await handle.result()).toMatchObject({ orderId: order.id, outcome: 'COMPLETED' });
      const description = await handle.describe();
      expect(description.status.name).toBe('COMPLETED');
      expect(description.taskQueue).toBe(live.taskQueue);
      expect(await scheduledActivities(client, order.id)).toEqual([
        'reserveInventory',
        'chargePayment',
        'arrangeShipping',
        'completeOrder',
      ]);
    });

    it('a declined card: FAILED PAYMENT_DECLINED, the stock released', async () => {
      const stockBefore = await productStock(db, 'LIVE-1');
      const placed = await placeOrder(
        orderBody({
          items: [{ sku: 'LIVE-1', quantity: 3 }],
          payment: { ...orderBody().payment, cardNumber: DECLINED_CARD },
        }),
      );
      const order = await finalState(placed.body.id);
      expect(order).toMatchObject({ status: 'FAILED', failureReason: 'PAYMENT_DECLINED' });
      expect(await productStock(db, 'LIVE-1')).toBe(stockBefore);
      // A charge step that failed is compensated too (a refund of nothing captured is a no-op): the saga
      // never guesses whether a provider took the money.
      expect(await scheduledActivities(client, order.id)).toEqual([
        'reserveInventory',
        'chargePayment',
        'refundPayment',
        'releaseInventory',
        'failOrder',
      ]);
      expect(order.payment.status).toBe('DECLINED');
      // A decline is final: the charge ran once, not under the retry policy (the worker marks it non-retryable).
      expect(await attemptsOf(client, order.id, 'chargePayment')).toBe(1);
    });

    it('a carrier failure: compensated in reverse (refund, then release), FAILED SHIPPING_FAILED', async () => {
      const stockBefore = await productStock(db, 'LIVE-1');
      await setFaults({ carrier: { failureRate: 1 } });
      const placed = await placeOrder(orderBody({ items: [{ sku: 'LIVE-1', quantity: 1 }] }));
      const order = await finalState(placed.body.id, 45_000);
      expect(order).toMatchObject({
        status: 'FAILED',
        failureReason: 'SHIPPING_FAILED',
        payment: { status: 'REFUNDED' },
      });
      expect(await productStock(db, 'LIVE-1')).toBe(stockBefore);
      const activities = await scheduledActivities(client, order.id);
      // Forward steps, the shipping attempts Temporal retried, then the compensations in reverse order.
      expect(activities.slice(0, 3)).toEqual(['reserveInventory', 'chargePayment', 'arrangeShipping']);
      expect(activities.slice(-3)).toEqual(['refundPayment', 'releaseInventory', 'failOrder']);
    });

    it('cancel before shipping: the signal reaches the workflow, which refunds and restocks (CANCELLED)', async () => {
      const stockBefore = await productStock(db, 'LIVE-1');
      await setFaults({ payment: { latencyMs: 3_000 } }); // hold the saga in its charge step
      const placed = await placeOrder(orderBody({ items: [{ sku: 'LIVE-1', quantity: 2 }] }));
      await waitFor(
        async () => (await request('GET', `/orders/${placed.body.id}`)).body.status,
        (status) => status === 'INVENTORY_RESERVED',
        15_000,
        50,
      );
      expect((await request('POST', `/orders/${placed.body.id}/cancel`)).status).toBe(202);
      const order = await finalState(placed.body.id);
      expect(order).toMatchObject({ status: 'CANCELLED' });
      expect(['REFUNDED', 'DECLINED', 'PENDING']).toContain(order.payment.status);
      expect(order.payment.status).not.toBe('CAPTURED');
      expect(await productStock(db, 'LIVE-1')).toBe(stockBefore);
      expect(await scheduledActivities(client, order.id)).not.toContain('arrangeShipping');
    });

    it('cancel after shipping: 409, and the order stays COMPLETED', async () => {
      const placed = await placeOrder(orderBody({ items: [{ sku: 'LIVE-1', quantity: 1 }] }));
      const order = await finalState(placed.body.id);
      expect(order.status).toBe('COMPLETED');
      const cancel = await request('POST', `/orders/${order.id}/cancel`);
      expect(cancel.status).toBe(409);
      expect((await request('GET', `/orders/${order.id}`)).body.status).toBe('COMPLETED');
    });

    it('20 concurrent requests with one Idempotency-Key: one order, one workflow, one charge', async () => {
      const key = `live-${randomUUID()}`;
      const body = orderBody({ items: [{ sku: 'LIVE-1', quantity: 1 }] });
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => placeOrder(body, { 'idempotency-key': key }, 'c-idem')),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(202));
      const ids = new Set(responses.map((r) => r.body.id as string));
      expect(ids.size).toBe(1);
      const [id] = ids;
      expect((await finalState(id)).status).toBe('COMPLETED');
      const workflows = [];
      for await (const execution of client.workflow.list({ query: `WorkflowId = '${orderWorkflowId(id)}'` }))
        workflows.push(execution.runId);
      expect(workflows).toHaveLength(1);
      const charges = await db.query<{ count: string }>(
        `SELECT count(*) FROM payments WHERE order_id = $1 AND status IN ('CAPTURED', 'REFUNDED')`,
        [id],
      );
      expect(Number(charges[0].count)).toBe(1);
      const orders = await db.query<{ count: string }>(
        `SELECT count(*) FROM orders WHERE customer_id = 'c-idem' AND idempotency_key = $1`,
        [key],
      );
      expect(Number(orders[0].count)).toBe(1);
    });

    it('a flash sale: 100 buyers for 20 units give exactly 20 COMPLETED and stock 0', async () => {
      await insertProduct(db, 'LIVE-FLASH', 20);
      const responses = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          placeOrder(orderBody({ items: [{ sku: 'LIVE-FLASH', quantity: 1 }] }), {}, `flash-${i}`),
        ),
      );
      expect(responses.filter((r) => r.status !== 202)).toEqual([]);
      const finals = await Promise.all(responses.map((r) => finalState(r.body.id as string, 90_000)));
      const byStatus = finals.reduce<Record<string, number>>((counts, order) => {
        const key = `${order.status}${order.failureReason ? ` ${order.failureReason}` : ''}`;
        counts[key] = (counts[key] ?? 0) + 1;
        return counts;
      }, {});
      expect(byStatus).toEqual({ COMPLETED: 20, 'FAILED OUT_OF_STOCK': 80 });
      expect(await productStock(db, 'LIVE-FLASH')).toBe(0);
    }, 180_000);
  },
);

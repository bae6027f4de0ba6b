import { DatabaseModule } from '@app/database';
import { ObservabilityModule } from '@app/observability';
import type { OrderSagaActivities, OrderSagaActivityName } from '@app/order-saga';
import {
  IllegalOrderTransitionError,
  OrderSagaModule,
  OrderNotFoundError,
  OrderSagaActivitiesService,
  OrdersRepository,
} from '@app/orders';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { domainFailureInterceptors } from '../src/domain-failure.interceptor';
import { DefaultLogger } from '@temporalio/worker';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { createOrderActivities } from '../src/order-activities.factory';
import {
  insertPendingOrder,
  insertProduct,
  orderStatus,
  productStock,
} from '../../../tooling/order-fixtures';

describe('order activities in MockActivityEnvironment (no Temporal server; real PostgreSQL)', () => {
  let db: TestDatabase;
  let app: TestingModule;
  let activities: OrderSagaActivities;
  const SKU = 'SKU-ACT-1';
  const STOCK = 10;

  /**
   * Runs one activity the way the Worker does: in an activity context, with the saga's arguments, through
   * the worker's mapping of domain failures to Temporal failures.
   */
  function run<N extends OrderSagaActivityName>(name: N, ...args: Parameters<OrderSagaActivities[N]>) {
    const fn = activities[name] as (
      ...a: Parameters<OrderSagaActivities[N]>
    ) => ReturnType<OrderSagaActivities[N]>;
    // ERROR level: the expected failures below would otherwise each log an "Activity failed" warning.
    return new MockActivityEnvironment(
      // The mock's defaults: first scheduled at the epoch, 1 s to close; the saga's are now and 15 s.
      { activityType: name, scheduledTimestampMs: Date.now(), startToCloseTimeoutMs: 15_000 },
      { logger: new DefaultLogger('ERROR'), interceptors: [domainFailureInterceptors()] },
    ).run(fn, ...args);
  }

  beforeAll(async () => {
    db = await createTestDatabase('worker_activities');
    // The worker's module graph, minus Temporal: database (migrations run) + the saga's activities.
    app = await Test.createTestingModule({
      imports: [
        // The activities emit metrics and audit events: the observability module provides them.
        ObservabilityModule.forRoot({
          serviceName: 'worker-activities-test',
          metrics: { port: null },
          logging: { level: 'silent' },
        }),
        DatabaseModule.forRoot({ url: db.url, applicationName: 'worker-activities-test' }),
        OrderSagaModule.forRoot({
          payments: { simulator: { latencyMs: 0, declineRate: 0, outage: false } },
          shipping: { simulator: { latencyMs: 0, failureRate: 0 } },
        }),
      ],
    }).compile();
    await app.init();
    activities = createOrderActivities(app.get(OrderSagaActivitiesService));
    await insertProduct(db, SKU, STOCK);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('exposes one function per saga activity', () => {
    expect(Object.keys(activities).sort()).toEqual([
      'arrangeShipping',
      'cancelOrder',
      'chargePayment',
      'completeOrder',
      'failOrder',
      'refundPayment',
      'releaseInventory',
      'reserveInventory',
    ]);
  });

  it('runs the happy path reserve → charge → ship → complete against the database', async () => {
    const { orderId } = await insertPendingOrder(db, { sku: SKU, quantity: 2 });
    const stockBefore = await productStock(db, SKU);

    await run('reserveInventory', orderId);
    expect(await productStock(db, SKU)).toBe(stockBefore - 2);
    expect(await orderStatus(db, orderId)).toBe('INVENTORY_RESERVED');

    await run('chargePayment', orderId);
    const [payment] = await db.query<{ status: string; provider_reference: string | null }>(
      `SELECT status, provider_reference FROM payments WHERE order_id = $1`,
      [orderId],
    );
    expect(payment.status).toBe('CAPTURED');
    expect(payment.provider_reference).toMatch(/^sim_ch_/);
    expect(await orderStatus(db, orderId)).toBe('PAID');

    await run('arrangeShipping', orderId);
    const shipments = await db.query<{ carrier: string; tracking_number: string }>(
      `SELECT carrier, tracking_number FROM shipments WHERE order_id = $1`,
      [orderId],
    );
    expect(shipments).toEqual([
      { carrier: 'SIM-EXPRESS', tracking_number: expect.stringMatching(/^SIM[0-9A-F]{12}$/) },
    ]);
    expect(await orderStatus(db, orderId)).toBe('SHIPPED');

    await run('completeOrder', orderId);
    expect(await orderStatus(db, orderId)).toBe('COMPLETED');

    const history = await db.query<{ to_status: string }>(
      `SELECT to_status FROM order_status_history WHERE order_id = $1 ORDER BY id`,
      [orderId],
    );
    expect(history.map((h) => h.to_status)).toEqual([
      'PENDING',
      'INVENTORY_RESERVED',
      'PAID',
      'SHIPPED',
      'COMPLETED',
    ]);
  });

  it('reserving twice is a no-op: stock is taken once (Temporal delivers activities at least once)', async () => {
    const { orderId } = await insertPendingOrder(db, { sku: SKU, quantity: 3 });
    const stockBefore = await productStock(db, SKU);

    await run('reserveInventory', orderId);
    await run('reserveInventory', orderId);

    expect(await productStock(db, SKU)).toBe(stockBefore - 3);
    expect(await orderStatus(db, orderId)).toBe('INVENTORY_RESERVED');
    const reservations = await db.query(
      `SELECT sku, quantity, status FROM inventory_reservations WHERE order_id = $1`,
      [orderId],
    );
    expect(reservations).toEqual([{ sku: SKU, quantity: 3, status: 'RESERVED' }]);
  });

  it('a declined card makes chargePayment throw a non-retryable PAYMENT_DECLINED failure', async () => {
    const { orderId } = await insertPendingOrder(db, {
      sku: SKU,
      quantity: 1,
      paymentToken: 'sim_tok_decline_x',
    });
    await run('reserveInventory', orderId);

    const failure = await run('chargePayment', orderId).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'PAYMENT_DECLINED', nonRetryable: true });
    const [payment] = await db.query(`SELECT status, decline_code FROM payments WHERE order_id = $1`, [
      orderId,
    ]);
    expect(payment).toEqual({ status: 'DECLINED', decline_code: 'card_declined' });
    expect(await orderStatus(db, orderId)).toBe('INVENTORY_RESERVED');
  });

  it('releaseInventory restores the stock once, then reports nothing left to release', async () => {
    const { orderId } = await insertPendingOrder(db, { sku: SKU, quantity: 2 });
    const stockBefore = await productStock(db, SKU);
    await run('reserveInventory', orderId);
    expect(await productStock(db, SKU)).toBe(stockBefore - 2);

    await expect(run('releaseInventory', orderId)).resolves.toBe(true);
    expect(await productStock(db, SKU)).toBe(stockBefore);
    await expect(run('releaseInventory', orderId)).resolves.toBe(false);
    expect(await productStock(db, SKU)).toBe(stockBefore);

    await run('failOrder', orderId, 'PAYMENT_DECLINED');
    const [order] = await db.query(`SELECT status, failure_reason FROM orders WHERE id = $1`, [orderId]);
    expect(order).toEqual({ status: 'FAILED', failure_reason: 'PAYMENT_DECLINED' });
  });

  it('records a capture and the move to PAID in one transaction: neither without the other, and a retry stores both', async () => {
    const { orderId } = await insertPendingOrder(db, { sku: SKU, quantity: 1 });
    await run('reserveInventory', orderId);
    // The status change fails inside the capture's transaction (a trigger refuses this order's PAID row).
    await db.query(`CREATE FUNCTION refuse_paid() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.to_status = 'PAID' AND NEW.order_id = '${orderId}' THEN RAISE EXCEPTION 'refused for the test'; END IF;
        RETURN NEW;
      END $$`);
    await db.query(
      `CREATE TRIGGER refuse_paid BEFORE INSERT ON order_status_history FOR EACH ROW EXECUTE FUNCTION refuse_paid()`,
    );
    try {
      await expect(run('chargePayment', orderId)).rejects.toThrow();
      const [pending] = await db.query(`SELECT status FROM payments WHERE order_id = $1`, [orderId]);
      expect({ payment: pending.status, order: await orderStatus(db, orderId) }).toEqual({
        payment: 'PENDING',
        order: 'INVENTORY_RESERVED',
      });
    } finally {
      await db.query(`DROP TRIGGER refuse_paid ON order_status_history`);
      await db.query(`DROP FUNCTION refuse_paid()`);
    }
    await run('chargePayment', orderId);
    const [captured] = await db.query(`SELECT status FROM payments WHERE order_id = $1`, [orderId]);
    expect({ payment: captured.status, order: await orderStatus(db, orderId) }).toEqual({
      payment: 'CAPTURED',
      order: 'PAID',
    });
  });

  it('reserving more than the stock throws a non-retryable OUT_OF_STOCK failure and takes nothing', async () => {
    const stock = await productStock(db, SKU);
    const { orderId } = await insertPendingOrder(db, { sku: SKU, quantity: stock + 1 });

    await expect(run('reserveInventory', orderId)).rejects.toMatchObject({
      type: 'OUT_OF_STOCK',
      nonRetryable: true,
    });
    expect(await productStock(db, SKU)).toBe(stock);
    expect(await orderStatus(db, orderId)).toBe('PENDING');
  });

  it("writes each step's webhook event in the step's transaction, once however often Temporal repeats it", async () => {
    await db.query(
      `INSERT INTO webhook_endpoints (id, url, secret, event_types)
       VALUES (gen_random_uuid(), 'https://hooks.example.com/x', 'whsec_x',
               '{payment.captured,payment.refunded,shipment.created,order.completed,order.failed}')`,
    );
    const events = async (orderId: string) =>
      db.query<{ type: string; status: string; payment: string }>(
        `SELECT e.type, e.payload->>'status' AS status, e.payload->'payment'->>'status' AS payment
           FROM webhook_events e JOIN webhook_deliveries d ON d.event_seq = e.seq
          WHERE e.order_id = $1 ORDER BY e.seq`,
        [orderId],
      );
    const shipped = (await insertPendingOrder(db, { sku: SKU, quantity: 1 })).orderId;
    for (const step of [
      'reserveInventory',
      'chargePayment',
      'chargePayment',
      'arrangeShipping',
      'arrangeShipping',
    ] as const)
      await run(step, shipped);
    await run('completeOrder', shipped);
    await run('completeOrder', shipped);
    expect(await events(shipped)).toEqual([
      { type: 'payment.captured', status: 'PAID', payment: 'CAPTURED' },
      { type: 'shipment.created', status: 'SHIPPED', payment: 'CAPTURED' },
      { type: 'order.completed', status: 'COMPLETED', payment: 'CAPTURED' },
    ]);

    const refunded = (await insertPendingOrder(db, { sku: SKU, quantity: 1 })).orderId;
    await run('reserveInventory', refunded);
    await run('chargePayment', refunded);
    expect(await run('refundPayment', refunded)).toBe(true);
    expect(await run('refundPayment', refunded)).toBe(false);
    await run('failOrder', refunded, 'SHIPPING_FAILED');
    await run('failOrder', refunded, 'SHIPPING_FAILED');
    expect(await events(refunded)).toEqual([
      { type: 'payment.captured', status: 'PAID', payment: 'CAPTURED' },
      { type: 'payment.refunded', status: 'PAID', payment: 'REFUNDED' },
      { type: 'order.failed', status: 'FAILED', payment: 'REFUNDED' },
    ]);
  });

  it('moves an order forward once, records each move, and refuses a move backward or of an unknown order', async () => {
    const { orderId } = await insertPendingOrder(db, { sku: SKU, quantity: 1 });
    const dataSource = app.get(DataSource);
    const move = (to: 'INVENTORY_RESERVED' | 'PENDING' | 'FAILED', reason?: string, id = orderId) =>
      dataSource.transaction((manager) => app.get(OrdersRepository).transition(manager, id, to, reason));
    const history = () =>
      db.query<{ from_status: string | null; to_status: string; reason: string | null }>(
        `SELECT from_status, to_status, reason FROM order_status_history WHERE order_id = $1 ORDER BY id`,
        [orderId],
      );
    const before = await history();

    const first = await move('INVENTORY_RESERVED');
    expect(first.moved).toBe(true);
    expect(first.createdAt).toBeInstanceOf(Date);
    expect((await move('INVENTORY_RESERVED')).moved).toBe(false); // a repeated step changes nothing
    await expect(move('PENDING')).rejects.toBeInstanceOf(IllegalOrderTransitionError);
    await expect(move('FAILED', 'PAYMENT_DECLINED', randomUUID())).rejects.toBeInstanceOf(OrderNotFoundError);
    expect(await move('FAILED', 'PAYMENT_DECLINED')).toMatchObject({ moved: true });

    expect((await history()).slice(before.length)).toEqual([
      { from_status: 'PENDING', to_status: 'INVENTORY_RESERVED', reason: null },
      { from_status: 'INVENTORY_RESERVED', to_status: 'FAILED', reason: 'PAYMENT_DECLINED' },
    ]);
    const [order] = await db.query<{ status: string; failure_reason: string | null }>(
      `SELECT status, failure_reason FROM orders WHERE id = $1`,
      [orderId],
    );
    expect(order).toEqual({ status: 'FAILED', failure_reason: 'PAYMENT_DECLINED' });
  });
});

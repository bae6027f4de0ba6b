import { InventoryRepository, InventoryService } from '@app/inventory';
import { randomUUID } from 'node:crypto';
import { Counter, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { IllegalOrderTransitionError, OrderNotFoundError } from '../../orders.errors';
import { OrdersRepository } from '../../orders.repository';
import { SagaStepError } from '../saga-step.error';
import { ReserveInventoryStep } from './reserve-inventory.step';
import {
  failureOf,
  insertOrder,
  insertProduct,
  openStepSpecDatabase,
  orderProgressOn,
  statusOf,
  type StepSpecDatabase,
} from './step-spec.fixture';

/** PENDING → INVENTORY_RESERVED and its compensation, against a real PostgreSQL. */
describe('ReserveInventoryStep (real PostgreSQL)', () => {
  let database: StepSpecDatabase;
  let dataSource: DataSource;
  let step: ReserveInventoryStep;
  const registry = new Registry();
  const compensations = new Counter({
    name: 'order_saga_compensations_total',
    help: 'test',
    labelNames: ['step'],
    registers: [registry],
  });

  const compensated = async () =>
    (await compensations.get()).values.find((v) => v.labels.step === 'releaseInventory')?.value ?? 0;
  /** A product of its own for the test, and a PENDING order of `quantity` units of it. */
  const pendingOrder = async (quantity: number, stock = 10) => {
    const sku = `RSV-${randomUUID().slice(0, 8)}`;
    await insertProduct(dataSource, sku, stock);
    const orderId = await insertOrder(dataSource, { status: 'PENDING', total: quantity * 100 });
    await dataSource.query(
      `INSERT INTO order_lines (order_id, line_no, sku, product_name, quantity, unit_price, line_total)
       VALUES ($1, 1, $2, $2, $3, 100, $4)`,
      [orderId, sku, quantity, quantity * 100],
    );
    await dataSource.query(`INSERT INTO order_status_history (order_id, to_status) VALUES ($1, 'PENDING')`, [
      orderId,
    ]);
    return { orderId, sku };
  };
  const productStock = async (sku: string) =>
    (await dataSource.query<Array<{ stock: number }>>('SELECT stock FROM products WHERE sku = $1', [sku]))[0]
      .stock;
  const reservations = (orderId: string) =>
    dataSource.query('SELECT sku, quantity, status FROM inventory_reservations WHERE order_id = $1', [
      orderId,
    ]);
  const historyOf = async (orderId: string) =>
    (
      await dataSource.query<Array<{ to_status: string }>>(
        'SELECT to_status FROM order_status_history WHERE order_id = $1 ORDER BY id',
        [orderId],
      )
    ).map((row) => row.to_status);

  beforeAll(async () => {
    database = await openStepSpecDatabase('reserve_step_spec');
    dataSource = database.dataSource;
    const orders = new OrdersRepository(dataSource);
    const progress = orderProgressOn(dataSource, { orders });
    const inventory = new InventoryService(
      new InventoryRepository(dataSource),
      new Counter({
        name: 'inventory_updates_total',
        help: 'test',
        labelNames: ['operation'],
        registers: [registry],
      }),
    );
    step = new ReserveInventoryStep(dataSource, orders, inventory, progress, compensations);
  });
  afterAll(() => database?.close());
  beforeEach(() => registry.resetMetrics());

  describe('invoke', () => {
    it("holds the order's stock and moves it to INVENTORY_RESERVED", async () => {
      const { orderId, sku } = await pendingOrder(3);

      await step.invoke(orderId);

      expect(await productStock(sku)).toBe(7);
      expect(await reservations(orderId)).toEqual([{ sku, quantity: 3, status: 'RESERVED' }]);
      expect(await historyOf(orderId)).toEqual(['PENDING', 'INVENTORY_RESERVED']);
    });

    it('does nothing the second time: the stock is taken once and the move recorded once', async () => {
      const { orderId, sku } = await pendingOrder(3);

      await step.invoke(orderId);
      await step.invoke(orderId);

      expect(await productStock(sku)).toBe(7);
      expect(await historyOf(orderId)).toEqual(['PENDING', 'INVENTORY_RESERVED']);
    });

    it.each(['PAID', 'SHIPPED', 'COMPLETED'])('does nothing for an order already %s', async (status) => {
      const { orderId, sku } = await pendingOrder(3);
      await dataSource.query('UPDATE orders SET status = $2 WHERE id = $1', [orderId, status]);

      await step.invoke(orderId);

      expect(await productStock(sku)).toBe(10);
      expect(await reservations(orderId)).toEqual([]);
      expect(await statusOf(dataSource, orderId)).toBe(status);
    });

    it('refuses an order whose cancellation was requested with a final ORDER_CANCELLED, taking nothing', async () => {
      const { orderId, sku } = await pendingOrder(3);
      await dataSource.query('UPDATE orders SET cancel_requested_at = now() WHERE id = $1', [orderId]);

      const error = await failureOf(step.invoke(orderId));

      expect(error).toBeInstanceOf(SagaStepError);
      expect(error).toMatchObject({ type: 'ORDER_CANCELLED', nonRetryable: true });
      expect(await productStock(sku)).toBe(10);
      expect(await statusOf(dataSource, orderId)).toBe('PENDING');
    });

    it('fails with a final OUT_OF_STOCK when the stock is short, taking nothing and leaving the order PENDING', async () => {
      const { orderId, sku } = await pendingOrder(3, 2);

      const error = await failureOf(step.invoke(orderId));

      expect(error).toBeInstanceOf(SagaStepError);
      expect(error).toMatchObject({ type: 'OUT_OF_STOCK', nonRetryable: true });
      expect(await productStock(sku)).toBe(2);
      expect(await reservations(orderId)).toEqual([]);
      expect(await statusOf(dataSource, orderId)).toBe('PENDING');
    });

    it('takes no stock for an order that already failed: the refused move rolls the reservation back', async () => {
      const { orderId, sku } = await pendingOrder(3);
      await dataSource.query(`UPDATE orders SET status = 'FAILED' WHERE id = $1`, [orderId]);

      await expect(step.invoke(orderId)).rejects.toBeInstanceOf(IllegalOrderTransitionError);

      expect(await productStock(sku)).toBe(10);
      expect(await reservations(orderId)).toEqual([]);
    });

    it('throws OrderNotFoundError for an order that does not exist', async () => {
      await expect(step.invoke(randomUUID())).rejects.toBeInstanceOf(OrderNotFoundError);
    });
  });

  describe('compensate', () => {
    it('gives the held stock back once: true and counted, then false', async () => {
      const { orderId, sku } = await pendingOrder(4);
      await step.invoke(orderId);

      await expect(step.compensate(orderId)).resolves.toBe(true);
      expect(await productStock(sku)).toBe(10);
      await expect(step.compensate(orderId)).resolves.toBe(false);
      expect(await productStock(sku)).toBe(10);

      expect(await compensated()).toBe(1);
      expect(await reservations(orderId)).toEqual([{ sku, quantity: 4, status: 'RELEASED' }]);
    });

    it('answers false for an order that holds no stock, and counts nothing', async () => {
      const { orderId, sku } = await pendingOrder(4, 2);
      await failureOf(step.invoke(orderId)); // out of stock: nothing held

      await expect(step.compensate(orderId)).resolves.toBe(false);
      expect(await productStock(sku)).toBe(2);
      expect(await compensated()).toBe(0);
    });
  });
});

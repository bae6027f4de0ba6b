import {
  CarrierUnavailableError,
  ShippingRepository,
  ShippingService,
  type Carrier,
  type ShipmentRequest,
} from '@app/shipping';
import { randomUUID } from 'node:crypto';
import { Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { OrderStatus } from '../../order-status';
import { IllegalOrderTransitionError, OrderNotFoundError } from '../../orders.errors';
import { OrdersRepository } from '../../orders.repository';
import { SagaStepError } from '../saga-step.error';
import { ArrangeShippingStep } from './arrange-shipping.step';
import {
  eventsOf,
  failureOf,
  insertOrder,
  insertProduct,
  openStepSpecDatabase,
  orderProgressOn,
  type StepSpecDatabase,
} from './step-spec.fixture';

/** A carrier that books unless told otherwise, keeps every request, and runs `during` while booking. */
class FakeCarrier implements Carrier {
  readonly name = 'FAKE-POST';
  readonly requests: ShipmentRequest[] = [];
  error: Error | undefined;
  during: (() => Promise<void>) | undefined;

  async createShipment(request: ShipmentRequest): Promise<{ trackingNumber: string }> {
    this.requests.push(request);
    await this.during?.();
    if (this.error) throw this.error;
    return { trackingNumber: `TRK-${this.requests.length}` };
  }
}

const SKUS = ['SHP-A', 'SHP-B'];
const address = {
  name: 'Ada Lovelace',
  line1: '12 St James Square',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
};

/**
 * PAID → SHIPPED, against a real PostgreSQL. The step has no compensation: once the order is claimed for
 * shipping, a cancellation is refused, and a shipped order is never undone.
 */
describe('ArrangeShippingStep (real PostgreSQL, fake carrier)', () => {
  let database: StepSpecDatabase;
  let dataSource: DataSource;
  let carrier: FakeCarrier;
  let step: ArrangeShippingStep;
  const registry = new Registry();
  const arrangement = new Histogram({
    name: 'shipping_arrangement_seconds',
    help: 'test',
    labelNames: ['outcome'],
    registers: [registry],
  });

  const arrangements = async (outcome: string) =>
    (await arrangement.get()).values.find(
      (v) => v.metricName === 'shipping_arrangement_seconds_count' && v.labels.outcome === outcome,
    )?.value ?? 0;
  /** An order of two lines (1 × SHP-B, 3 × SHP-A), in `status`. */
  const order = async (status: OrderStatus = 'PAID') => {
    const orderId = await insertOrder(dataSource, { status, total: 400, shippingAddress: address });
    await dataSource.query(
      `INSERT INTO order_lines (order_id, line_no, sku, product_name, quantity, unit_price, line_total)
       VALUES ($1, 1, 'SHP-B', 'B', 1, 100, 100), ($1, 2, 'SHP-A', 'A', 3, 100, 300)`,
      [orderId],
    );
    return orderId;
  };
  const shipmentsOf = (orderId: string) =>
    dataSource.query<Array<{ carrier: string; tracking_number: string }>>(
      'SELECT carrier, tracking_number FROM shipments WHERE order_id = $1',
      [orderId],
    );
  const orderRow = async (orderId: string) =>
    (
      await dataSource.query<Array<{ status: string; shipping_claimed_at: Date | null }>>(
        'SELECT status, shipping_claimed_at FROM orders WHERE id = $1',
        [orderId],
      )
    )[0];

  beforeAll(async () => {
    database = await openStepSpecDatabase('shipping_step_spec', ['shipment.created']);
    dataSource = database.dataSource;
    for (const sku of SKUS) await insertProduct(dataSource, sku, 0);
  });
  afterAll(() => database?.close());
  beforeEach(() => {
    registry.resetMetrics();
    carrier = new FakeCarrier();
    const orders = new OrdersRepository(dataSource);
    const progress = orderProgressOn(dataSource, { orders });
    const shipping = new ShippingService(new ShippingRepository(dataSource), carrier, arrangement);
    step = new ArrangeShippingStep(dataSource, orders, shipping, progress);
  });

  it("books the order's parcels once, records the booking with the move to SHIPPED, and announces it", async () => {
    const orderId = await order();

    await step.invoke(orderId);

    expect(carrier.requests).toEqual([
      {
        idempotencyKey: `order-${orderId}`,
        address,
        parcels: [
          { sku: 'SHP-B', quantity: 1 },
          { sku: 'SHP-A', quantity: 3 },
        ],
      },
    ]);
    expect(await shipmentsOf(orderId)).toEqual([{ carrier: 'FAKE-POST', tracking_number: 'TRK-1' }]);
    expect(await orderRow(orderId)).toEqual({ status: 'SHIPPED', shipping_claimed_at: expect.any(Date) });
    expect(await eventsOf(dataSource, orderId)).toEqual(['shipment.created']);
    expect(await arrangements('booked')).toBe(1);
  });

  it('does nothing the second time: no second booking or event', async () => {
    const orderId = await order();
    await step.invoke(orderId);

    await step.invoke(orderId);

    expect(carrier.requests).toHaveLength(1);
    expect(await shipmentsOf(orderId)).toHaveLength(1);
    expect(await eventsOf(dataSource, orderId)).toEqual(['shipment.created']);
  });

  it.each(['SHIPPED', 'COMPLETED'] as const)('does nothing for an order already %s', async (status) => {
    const orderId = await order(status);

    await step.invoke(orderId);

    expect(carrier.requests).toEqual([]);
    expect(await shipmentsOf(orderId)).toEqual([]);
  });

  it('moves an order whose booking was recorded earlier to SHIPPED without booking again', async () => {
    const orderId = await order();
    await dataSource.query(
      `INSERT INTO shipments (order_id, carrier, tracking_number) VALUES ($1, 'FAKE-POST', 'TRK-EARLIER')`,
      [orderId],
    );

    await step.invoke(orderId);

    expect(carrier.requests).toEqual([]);
    expect((await orderRow(orderId)).status).toBe('SHIPPED');
    expect(await shipmentsOf(orderId)).toEqual([{ carrier: 'FAKE-POST', tracking_number: 'TRK-EARLIER' }]);
  });

  it('refuses an order whose cancellation was requested with a final ORDER_CANCELLED, booking nothing', async () => {
    const orderId = await order();
    await dataSource.query('UPDATE orders SET cancel_requested_at = now() WHERE id = $1', [orderId]);

    const error = await failureOf(step.invoke(orderId));

    expect(error).toBeInstanceOf(SagaStepError);
    expect(error).toMatchObject({ type: 'ORDER_CANCELLED', nonRetryable: true });
    expect(carrier.requests).toEqual([]);
    expect(await orderRow(orderId)).toEqual({ status: 'PAID', shipping_claimed_at: null });
  });

  it.each(['PENDING', 'INVENTORY_RESERVED', 'FAILED'] as const)(
    'refuses an order in %s with a final ILLEGAL_TRANSITION, booking nothing',
    async (status) => {
      const orderId = await order(status);

      const error = await failureOf(step.invoke(orderId));

      expect(error).toBeInstanceOf(SagaStepError);
      expect(error).toMatchObject({ type: 'ILLEGAL_TRANSITION', nonRetryable: true });
      expect(carrier.requests).toEqual([]);
      expect(await orderRow(orderId)).toEqual({ status, shipping_claimed_at: null });
    },
  );

  it('fails with a retryable SHIPPING_FAILED while the carrier is unavailable, then books on a retry', async () => {
    const orderId = await order();
    carrier.error = new CarrierUnavailableError('carrier down');

    const error = await failureOf(step.invoke(orderId));

    expect(error).toBeInstanceOf(SagaStepError);
    expect(error).toMatchObject({ type: 'SHIPPING_FAILED', nonRetryable: false, message: 'carrier down' });
    expect(await shipmentsOf(orderId)).toEqual([]);
    expect((await orderRow(orderId)).status).toBe('PAID');
    expect(await arrangements('failed')).toBe(1);

    carrier.error = undefined;
    await step.invoke(orderId);

    expect(carrier.requests.map((r) => r.idempotencyKey)).toEqual([`order-${orderId}`, `order-${orderId}`]);
    expect((await orderRow(orderId)).status).toBe('SHIPPED');
  });

  it('throws any other carrier error as it is', async () => {
    const orderId = await order();
    const broken = new TypeError('unexpected answer');
    carrier.error = broken;

    await expect(step.invoke(orderId)).rejects.toBe(broken);
  });

  it('keeps a booking whose move is refused (the order failed meanwhile) and throws once it is recorded', async () => {
    const orderId = await order();
    carrier.during = async () => {
      await dataSource.query(`UPDATE orders SET status = 'FAILED' WHERE id = $1`, [orderId]);
    };

    const error = await failureOf(step.invoke(orderId));

    expect(error).toBeInstanceOf(IllegalOrderTransitionError);
    expect(error).toMatchObject({ from: 'FAILED', to: 'SHIPPED' });
    expect(await shipmentsOf(orderId)).toEqual([{ carrier: 'FAKE-POST', tracking_number: 'TRK-1' }]);
    expect((await orderRow(orderId)).status).toBe('FAILED');
    expect(await eventsOf(dataSource, orderId)).toEqual([]);
  });

  it('throws OrderNotFoundError for an order that does not exist', async () => {
    await expect(step.invoke(randomUUID())).rejects.toBeInstanceOf(OrderNotFoundError);
  });
});

import { ShippingRepository, ShippingService, type Carrier } from '@app/shipping';
import { Histogram } from 'prom-client';
import type { DataSource } from 'typeorm';
import { waitFor } from '../../../../../tooling/wait-for';
import { CANCELLABLE_STATUSES } from '../../order-status';
import { OrdersRepository } from '../../orders.repository';
import { ORDERS_SQL } from '../../orders.sql';
import { ArrangeShippingStep } from './arrange-shipping.step';
import {
  insertOrder,
  openStepSpecDatabase,
  orderProgressOn,
  type StepSpecDatabase,
} from './step-spec.fixture';

/**
 * A customer's cancellation and the shipping claim reach the same PAID order at once, the cancellation
 * first: the claim waits for the cancellation's row lock, then finds the order no longer claimable.
 */
describe('shipping claim behind a concurrent cancellation (real PostgreSQL)', () => {
  let database: StepSpecDatabase;
  let dataSource: DataSource;
  let orders: OrdersRepository;
  let step: ArrangeShippingStep;
  const carrier: Carrier = { name: 'FAKE-POST', createShipment: jest.fn() };

  const paidOrder = () => insertOrder(dataSource, { status: 'PAID', total: 100 });
  const waiters = async () =>
    (
      await dataSource.query<Array<{ waiting: number }>>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      )
    )[0].waiting;
  /** Runs `claim` while the customer's cancellation of `orderId` holds the row, then commits the cancellation. */
  const behindCancellation = async <T>(orderId: string, claim: () => Promise<T>): Promise<T> => {
    let claimed: Promise<T> | undefined;
    await dataSource.transaction(async (manager) => {
      await manager.query(ORDERS_SQL.requestCancellation, [orderId, 'customer-1', CANCELLABLE_STATUSES]);
      claimed = claim();
      claimed.catch(() => undefined);
      await waitFor(waiters, (waiting) => waiting === 1);
    });
    return claimed!;
  };

  beforeAll(async () => {
    database = await openStepSpecDatabase('shipping_claim_race_spec');
    dataSource = database.dataSource;
    orders = new OrdersRepository(dataSource);
    const progress = orderProgressOn(dataSource, { orders });
    const shipping = new ShippingService(
      new ShippingRepository(dataSource),
      carrier,
      new Histogram({
        name: 'shipping_arrangement_seconds',
        help: 'test',
        labelNames: ['outcome'],
        registers: [],
      }),
    );
    step = new ArrangeShippingStep(dataSource, orders, shipping, progress);
  });
  afterAll(() => database?.close());

  it('claimForShipping does not claim an order whose cancellation held the row first', async () => {
    const orderId = await paidOrder();

    const claim = await behindCancellation(orderId, () => orders.claimForShipping(orderId));

    expect(claim.claimed).toBe(false);
    // The claim's own statement still sees the order as it was when it began; a new read sees the request.
    expect(claim.order.cancelRequestedAt).toBeNull();
    expect((await orders.sagaOrder(orderId)).cancelRequestedAt).toBeInstanceOf(Date);
  });

  it('the shipping step fails with a final ORDER_CANCELLED, so the saga cancels the order', async () => {
    const orderId = await paidOrder();

    const error = await behindCancellation(orderId, () => step.invoke(orderId)).catch((e: unknown) => e);

    expect(error).toMatchObject({ type: 'ORDER_CANCELLED', nonRetryable: true });
    expect(carrier.createShipment).not.toHaveBeenCalled();
  });
});

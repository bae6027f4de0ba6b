import { MIGRATIONS } from '@app/database';
import type { AuditLog } from '@app/observability';
import { ShippingRepository, ShippingService, type Carrier } from '@app/shipping';
import { WebhookOutbox } from '@app/webhooks';
import { randomUUID } from 'node:crypto';
import { Counter, Histogram } from 'prom-client';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../../tooling/database';
import { waitFor } from '../../../../../tooling/wait-for';
import { CANCELLABLE_STATUSES } from '../../order-status';
import { OrdersRepository } from '../../orders.repository';
import { ORDERS_SQL } from '../../orders.sql';
import { OrderProgress } from '../order-progress';
import { ArrangeShippingStep } from './arrange-shipping.step';

/**
 * A customer's cancellation and the shipping claim reach the same PAID order at once, the cancellation
 * first: the claim waits for the cancellation's row lock, then finds the order no longer claimable.
 */
describe('shipping claim behind a concurrent cancellation (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let orders: OrdersRepository;
  let step: ArrangeShippingStep;
  const carrier: Carrier = { name: 'FAKE-POST', createShipment: jest.fn() };

  const paidOrder = async () => {
    const orderId = randomUUID();
    await dataSource.query(
      `INSERT INTO orders (id, customer_id, request_fingerprint, status, currency, total_amount, shipping_address)
       VALUES ($1, 'customer-1', $2, 'PAID', 'EUR', 100, '{}')`,
      [orderId, 'f'.repeat(64)],
    );
    return orderId;
  };
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
    db = await createTestDatabase('shipping_claim_race_spec');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS, poolSize: 4 });
    await dataSource.initialize();
    await dataSource.runMigrations();
    orders = new OrdersRepository(dataSource);
    const progress = new OrderProgress(
      orders,
      new WebhookOutbox(
        dataSource,
        new Counter({ name: 'webhook_events_total', help: 'test', labelNames: ['endpoint'], registers: [] }),
      ),
      { record: () => undefined } as unknown as AuditLog,
      new Histogram({
        name: 'order_processing_seconds',
        help: 'test',
        labelNames: ['outcome'],
        registers: [],
      }),
    );
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
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

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

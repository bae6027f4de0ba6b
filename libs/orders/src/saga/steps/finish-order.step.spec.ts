import { Counter, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { OrderStatus } from '../../order-status';
import { IllegalOrderTransitionError } from '../../orders.errors';
import { FinishOrderStep } from './finish-order.step';
import {
  AuditRecorder,
  eventsOf,
  insertOrder,
  openStepSpecDatabase,
  orderProgressOn,
  type StepSpecDatabase,
} from './step-spec.fixture';

/** The saga's last step (completed, failed or cancelled), against a real PostgreSQL. */
describe('FinishOrderStep (real PostgreSQL)', () => {
  let database: StepSpecDatabase;
  let dataSource: DataSource;
  let step: FinishOrderStep;
  let audit: AuditRecorder;
  const registry = new Registry();
  const processing = new Histogram({
    name: 'order_processing_seconds',
    help: 'test',
    labelNames: ['outcome'],
    buckets: [60, 120],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'order_processing_errors_total',
    help: 'test',
    labelNames: ['reason'],
    registers: [registry],
  });

  const processed = async (outcome: string) => {
    const values = (await processing.get()).values.filter((v) => v.labels.outcome === outcome);
    const count = values.find((v) => v.metricName === 'order_processing_seconds_count')?.value ?? 0;
    const sum = values.find((v) => v.metricName === 'order_processing_seconds_sum')?.value ?? 0;
    return { count, sum };
  };
  const failures = async (reason: string) =>
    (await errors.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
  /** An order in `status`, created 90 seconds ago. */
  const order = (status: OrderStatus) =>
    insertOrder(dataSource, { status, total: 100, createdSecondsAgo: 90 });
  const orderRow = async (orderId: string) =>
    (
      await dataSource.query<Array<{ status: string; failure_reason: string | null }>>(
        'SELECT status, failure_reason FROM orders WHERE id = $1',
        [orderId],
      )
    )[0];
  const historyOf = (orderId: string) =>
    dataSource.query<Array<{ from_status: string; to_status: string; reason: string | null }>>(
      'SELECT from_status, to_status, reason FROM order_status_history WHERE order_id = $1 ORDER BY id',
      [orderId],
    );

  beforeAll(async () => {
    database = await openStepSpecDatabase('finish_step_spec', [
      'order.completed',
      'order.failed',
      'order.cancelled',
    ]);
    dataSource = database.dataSource;
  });
  afterAll(() => database?.close());
  beforeEach(() => {
    registry.resetMetrics();
    audit = new AuditRecorder();
    step = new FinishOrderStep(
      dataSource,
      orderProgressOn(dataSource, { audit: audit.log, processing }),
      errors,
    );
  });

  describe('complete', () => {
    it('moves a SHIPPED order to COMPLETED, announces it, and times it from creation', async () => {
      const orderId = await order('SHIPPED');

      await step.complete(orderId);

      expect(await historyOf(orderId)).toEqual([
        { from_status: 'SHIPPED', to_status: 'COMPLETED', reason: null },
      ]);
      expect(await eventsOf(dataSource, orderId)).toEqual(['order.completed']);
      const { count, sum } = await processed('COMPLETED');
      expect(count).toBe(1);
      expect(sum).toBeGreaterThanOrEqual(90);
      expect(sum).toBeLessThan(120);
      expect(audit.records).toEqual([
        {
          action: 'order-completed',
          fields: { 'order.id': orderId, 'order.processing_seconds': sum },
          outcome: 'success',
        },
      ]);
    });

    it('counts, announces and audits a repeated completion once', async () => {
      const orderId = await order('SHIPPED');

      await step.complete(orderId);
      await step.complete(orderId);

      expect((await processed('COMPLETED')).count).toBe(1);
      expect(await eventsOf(dataSource, orderId)).toEqual(['order.completed']);
      expect(audit.records).toHaveLength(1);
    });

    it('refuses to complete an order that has not shipped', async () => {
      const orderId = await order('PAID');

      await expect(step.complete(orderId)).rejects.toBeInstanceOf(IllegalOrderTransitionError);

      expect((await orderRow(orderId)).status).toBe('PAID');
      expect((await processed('COMPLETED')).count).toBe(0);
      expect(await eventsOf(dataSource, orderId)).toEqual([]);
    });
  });

  describe('fail', () => {
    it.each(['PENDING', 'INVENTORY_RESERVED', 'PAID', 'SHIPPED'] as const)(
      'moves an order in %s to FAILED with its reason, counted once by reason',
      async (status) => {
        const orderId = await order(status);

        await step.fail(orderId, 'PAYMENT_DECLINED');
        await step.fail(orderId, 'PAYMENT_DECLINED');

        expect(await orderRow(orderId)).toEqual({ status: 'FAILED', failure_reason: 'PAYMENT_DECLINED' });
        expect(await historyOf(orderId)).toEqual([
          { from_status: status, to_status: 'FAILED', reason: 'PAYMENT_DECLINED' },
        ]);
        expect(await eventsOf(dataSource, orderId)).toEqual(['order.failed']);
        expect(await failures('PAYMENT_DECLINED')).toBe(1);
        expect((await processed('FAILED')).count).toBe(1);
        expect(audit.records).toEqual([
          {
            action: 'order-failed',
            fields: expect.objectContaining({
              'order.id': orderId,
              'order.failure_reason': 'PAYMENT_DECLINED',
            }),
            outcome: 'failure',
          },
        ]);
      },
    );

    it.each(['COMPLETED', 'CANCELLED'] as const)(
      'refuses to fail a %s order and counts nothing',
      async (status) => {
        const orderId = await order(status);

        await expect(step.fail(orderId, 'SHIPPING_FAILED')).rejects.toBeInstanceOf(
          IllegalOrderTransitionError,
        );

        expect((await orderRow(orderId)).status).toBe(status);
        expect(await failures('SHIPPING_FAILED')).toBe(0);
        expect((await processed('FAILED')).count).toBe(0);
      },
    );
  });

  describe('cancel', () => {
    it.each(['PENDING', 'INVENTORY_RESERVED', 'PAID'] as const)(
      'moves an order in %s to CANCELLED by the customer, once',
      async (status) => {
        const orderId = await order(status);

        await step.cancel(orderId);
        await step.cancel(orderId);

        expect(await orderRow(orderId)).toEqual({
          status: 'CANCELLED',
          failure_reason: 'CANCELLED_BY_CUSTOMER',
        });
        expect(await historyOf(orderId)).toEqual([
          { from_status: status, to_status: 'CANCELLED', reason: 'CANCELLED_BY_CUSTOMER' },
        ]);
        expect(await eventsOf(dataSource, orderId)).toEqual(['order.cancelled']);
        expect((await processed('CANCELLED')).count).toBe(1);
        expect(audit.records.map((a) => [a.action, a.outcome])).toEqual([['order-cancelled', 'success']]);
      },
    );

    it('refuses to cancel a shipped order', async () => {
      const orderId = await order('SHIPPED');

      await expect(step.cancel(orderId)).rejects.toBeInstanceOf(IllegalOrderTransitionError);

      expect((await orderRow(orderId)).status).toBe('SHIPPED');
      expect((await processed('CANCELLED')).count).toBe(0);
    });
  });
});

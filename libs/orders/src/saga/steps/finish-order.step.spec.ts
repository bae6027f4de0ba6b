import { MIGRATIONS } from '@app/database';
import type { AuditLog } from '@app/observability';
import { WebhookOutbox } from '@app/webhooks';
import { randomUUID } from 'node:crypto';
import { Counter, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../../tooling/database';
import type { OrderStatus } from '../../order-status';
import { IllegalOrderTransitionError } from '../../orders.errors';
import { OrdersRepository } from '../../orders.repository';
import { OrderProgress } from '../order-progress';
import { FinishOrderStep } from './finish-order.step';

/** The saga's last step (completed, failed or cancelled), against a real PostgreSQL. */
describe('FinishOrderStep (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let step: FinishOrderStep;
  const audits: Array<{ action: string; fields: Record<string, unknown>; outcome?: string }> = [];
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
  const order = async (status: OrderStatus) => {
    const orderId = randomUUID();
    await dataSource.query(
      `INSERT INTO orders (id, customer_id, request_fingerprint, status, currency, total_amount, shipping_address,
                           created_at)
       VALUES ($1, 'customer-1', $2, $3, 'EUR', 100, '{}', now() - interval '90 seconds')`,
      [orderId, 'f'.repeat(64), status],
    );
    return orderId;
  };
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
  const eventsOf = async (orderId: string) =>
    (
      await dataSource.query<Array<{ type: string }>>(
        'SELECT type FROM webhook_events WHERE order_id = $1 ORDER BY seq',
        [orderId],
      )
    ).map((row) => row.type);

  beforeAll(async () => {
    db = await createTestDatabase('finish_step_spec');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS, poolSize: 4 });
    await dataSource.initialize();
    await dataSource.runMigrations();
    await dataSource.query(
      `INSERT INTO webhook_endpoints (id, url, secret, event_types)
       VALUES (gen_random_uuid(), 'https://hooks.example.com/x', 'whsec_x', '{order.completed,order.failed,order.cancelled}')`,
    );
    const audit = {
      record: (action: string, fields: Record<string, unknown>, outcome?: string) =>
        audits.push({ action, fields, outcome }),
    } as unknown as AuditLog;
    const progress = new OrderProgress(
      new OrdersRepository(dataSource),
      new WebhookOutbox(
        dataSource,
        new Counter({ name: 'webhook_events_total', help: 'test', labelNames: ['endpoint'], registers: [] }),
      ),
      audit,
      processing,
    );
    step = new FinishOrderStep(dataSource, progress, errors);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });
  beforeEach(() => {
    registry.resetMetrics();
    audits.length = 0;
  });

  describe('complete', () => {
    it('moves a SHIPPED order to COMPLETED, announces it, and times it from creation', async () => {
      const orderId = await order('SHIPPED');

      await step.complete(orderId);

      expect(await historyOf(orderId)).toEqual([
        { from_status: 'SHIPPED', to_status: 'COMPLETED', reason: null },
      ]);
      expect(await eventsOf(orderId)).toEqual(['order.completed']);
      const { count, sum } = await processed('COMPLETED');
      expect(count).toBe(1);
      expect(sum).toBeGreaterThanOrEqual(90);
      expect(sum).toBeLessThan(120);
      expect(audits).toEqual([
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
      expect(await eventsOf(orderId)).toEqual(['order.completed']);
      expect(audits).toHaveLength(1);
    });

    it('refuses to complete an order that has not shipped', async () => {
      const orderId = await order('PAID');

      await expect(step.complete(orderId)).rejects.toBeInstanceOf(IllegalOrderTransitionError);

      expect((await orderRow(orderId)).status).toBe('PAID');
      expect((await processed('COMPLETED')).count).toBe(0);
      expect(await eventsOf(orderId)).toEqual([]);
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
        expect(await eventsOf(orderId)).toEqual(['order.failed']);
        expect(await failures('PAYMENT_DECLINED')).toBe(1);
        expect((await processed('FAILED')).count).toBe(1);
        expect(audits).toEqual([
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
        expect(await eventsOf(orderId)).toEqual(['order.cancelled']);
        expect((await processed('CANCELLED')).count).toBe(1);
        expect(audits.map((a) => [a.action, a.outcome])).toEqual([['order-cancelled', 'success']]);
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

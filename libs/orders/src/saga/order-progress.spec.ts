import type { WebhookOutbox } from '@app/webhooks';
import { Histogram, Registry } from 'prom-client';
import type { EntityManager } from 'typeorm';
import type { OrderStatus } from '../order-status';
import type { OrderView } from '../order.view';
import { IllegalOrderTransitionError, OrderNotFoundError } from '../orders.errors';
import type { OrdersRepository, TransitionResult } from '../orders.repository';
import { OrderProgress } from './order-progress';
import { AuditRecorder } from './steps/step-spec.fixture';

/** Orders in memory, moved by the lifecycle's own rules the way the repository moves them. */
class FakeOrders {
  readonly statuses = new Map<string, OrderStatus>();

  async transition(_manager: EntityManager, orderId: string, to: OrderStatus): Promise<TransitionResult> {
    const from = this.statuses.get(orderId);
    if (!from) throw new OrderNotFoundError(orderId);
    const createdAt = new Date(Date.now() - 30_000);
    if (from === to) return { moved: false, createdAt };
    if (from === 'FAILED' || from === 'CANCELLED' || from === 'COMPLETED')
      throw new IllegalOrderTransitionError(orderId, from, to);
    this.statuses.set(orderId, to);
    return { moved: true, createdAt };
  }

  async view(orderId: string): Promise<OrderView> {
    return { id: orderId, status: this.statuses.get(orderId) } as OrderView;
  }
}

describe('OrderProgress (in-memory orders and outbox)', () => {
  const registry = new Registry();
  const processing = new Histogram({
    name: 'order_processing_seconds',
    help: 'test',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const manager = {} as EntityManager;
  let orders: FakeOrders;
  let enqueued: Array<{ type: string; orderId: string; payload: unknown }>;
  let audit: AuditRecorder;
  let progress: OrderProgress;

  const observations = async (outcome: string) =>
    (await processing.get()).values.find(
      (v) => v.metricName === 'order_processing_seconds_count' && v.labels.outcome === outcome,
    )?.value ?? 0;

  beforeEach(() => {
    registry.resetMetrics();
    orders = new FakeOrders();
    enqueued = [];
    audit = new AuditRecorder();
    const outbox = {
      enqueue: async (_m: EntityManager, event: { type: string; orderId: string; payload: unknown }) => {
        enqueued.push(event);
        return [];
      },
    };
    progress = new OrderProgress(
      orders as unknown as OrdersRepository,
      outbox as unknown as WebhookOutbox,
      audit.log,
      processing,
    );
  });

  describe('move', () => {
    it.each([
      ['INVENTORY_RESERVED', 'PAID', 'payment.captured'],
      ['PAID', 'SHIPPED', 'shipment.created'],
      ['SHIPPED', 'COMPLETED', 'order.completed'],
      ['PAID', 'FAILED', 'order.failed'],
      ['PENDING', 'CANCELLED', 'order.cancelled'],
    ] as Array<[OrderStatus, OrderStatus, string]>)(
      'announces the move %s → %s with %s, carrying the order as the move left it',
      async (from, to, type) => {
        orders.statuses.set('o-1', from);

        await expect(progress.move(manager, 'o-1', to)).resolves.toMatchObject({ moved: true });

        expect(enqueued).toEqual([{ type, orderId: 'o-1', payload: { id: 'o-1', status: to } }]);
      },
    );

    it('announces nothing for the move to INVENTORY_RESERVED', async () => {
      orders.statuses.set('o-1', 'PENDING');

      await progress.move(manager, 'o-1', 'INVENTORY_RESERVED');

      expect(enqueued).toEqual([]);
    });

    it('announces nothing when the order was already there', async () => {
      orders.statuses.set('o-1', 'PAID');

      await expect(progress.move(manager, 'o-1', 'PAID')).resolves.toMatchObject({ moved: false });

      expect(enqueued).toEqual([]);
    });
  });

  describe('moveAfterEffect', () => {
    it('answers nothing when the move was made', async () => {
      orders.statuses.set('o-1', 'INVENTORY_RESERVED');

      await expect(progress.moveAfterEffect(manager, 'o-1', 'PAID')).resolves.toBeUndefined();
      expect(orders.statuses.get('o-1')).toBe('PAID');
    });

    it('answers the refusal of a move the order can no longer make, instead of throwing it', async () => {
      orders.statuses.set('o-1', 'CANCELLED');

      const refused = await progress.moveAfterEffect(manager, 'o-1', 'PAID');

      expect(refused).toBeInstanceOf(IllegalOrderTransitionError);
      expect(refused).toMatchObject({ from: 'CANCELLED', to: 'PAID' });
      expect(enqueued).toEqual([]);
    });

    it('throws any other failure', async () => {
      await expect(progress.moveAfterEffect(manager, 'missing', 'PAID')).rejects.toBeInstanceOf(
        OrderNotFoundError,
      );
    });
  });

  describe('finished', () => {
    it('times and audits an order that reached its final state now', async () => {
      progress.finished('COMPLETED', { moved: true, createdAt: new Date(Date.now() - 5_000) }, 'o-1');

      expect(await observations('COMPLETED')).toBe(1);
      expect(audit.actions).toEqual(['order-completed']);
    });

    it('neither times nor audits a final state reached earlier (a repeated step)', async () => {
      progress.finished('FAILED', { moved: false, createdAt: new Date() }, 'o-1', 'OUT_OF_STOCK');

      expect(await observations('FAILED')).toBe(0);
      expect(audit.actions).toEqual([]);
    });
  });
});

import { InjectMetric, type Counter } from '@app/observability';
import { InsufficientStockError, InventoryService } from '@app/inventory';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { OrderStatus } from '../../order-status';
import { ORDER_METRICS } from '../../orders.metrics';
import { OrdersRepository } from '../../orders.repository';
import { OrderProgress } from '../order-progress';
import { annotateOrder } from '../saga-tracing';
import { orderCancelled, SagaStepError } from '../saga-step.error';

const AFTER_RESERVATION: readonly OrderStatus[] = ['INVENTORY_RESERVED', 'PAID', 'SHIPPED', 'COMPLETED'];

/**
 * PENDING → INVENTORY_RESERVED: every line's stock is held, or none (OUT_OF_STOCK), in the transaction
 * that moves the order, with the order row locked. Compensation gives the held stock back.
 */
@Injectable()
export class ReserveInventoryStep {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly orders: OrdersRepository,
    private readonly inventory: InventoryService,
    private readonly progress: OrderProgress,
    @InjectMetric(ORDER_METRICS.compensations) private readonly compensations: Counter<'step'>,
  ) {}

  async invoke(orderId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const order = await this.orders.lockSagaOrder(manager, orderId);
      annotateOrder(order);
      if (AFTER_RESERVATION.includes(order.status)) return;
      if (order.cancelRequestedAt) throw orderCancelled(orderId);
      const lines = await this.orders.lines(manager, orderId);
      try {
        await this.inventory.reserveForOrder(manager, orderId, lines);
      } catch (error) {
        if (error instanceof InsufficientStockError) {
          throw new SagaStepError('OUT_OF_STOCK', error.message, true);
        }
        throw error;
      }
      await this.progress.move(manager, orderId, 'INVENTORY_RESERVED');
    });
  }

  /** Gives the order's held stock back; `true` when something was released. */
  async compensate(orderId: string): Promise<boolean> {
    const released = await this.dataSource.transaction((manager) =>
      this.inventory.releaseForOrder(manager, orderId),
    );
    if (released) this.compensations.inc({ step: 'releaseInventory' });
    return released;
  }
}

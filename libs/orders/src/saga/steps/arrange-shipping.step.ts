import { CarrierUnavailableError, ShippingService } from '@app/shipping';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { OrderStatus } from '../../order-status';
import { OrdersRepository } from '../../orders.repository';
import { OrderProgress } from '../order-progress';
import { annotateOrder } from '../saga-tracing';
import { orderCancelled, SagaStepError } from '../saga-step.error';

const AFTER_SHIPPING: readonly OrderStatus[] = ['SHIPPED', 'COMPLETED'];

/**
 * PAID → SHIPPED: the order is claimed for shipping first (a cancellation requested later is refused),
 * the carrier books the shipment once (the same idempotency key on every attempt), then the booking and
 * the move are recorded in one transaction. Nothing to compensate: a shipped order is not cancelled.
 */
@Injectable()
export class ArrangeShippingStep {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly orders: OrdersRepository,
    private readonly shipping: ShippingService,
    private readonly progress: OrderProgress,
  ) {}

  async invoke(orderId: string): Promise<void> {
    const { order, claimed, parcels } = await this.orders.claimForShipping(orderId);
    annotateOrder(order);
    if (AFTER_SHIPPING.includes(order.status)) return;
    if (!claimed) {
      // The claim's statement read the order as it was when the statement began: a cancellation that held
      // the row first is only seen by reading the order again.
      const current = await this.orders.sagaOrder(orderId);
      if (AFTER_SHIPPING.includes(current.status)) return;
      if (current.cancelRequestedAt) throw orderCancelled(orderId);
      throw new SagaStepError('ILLEGAL_TRANSITION', `order ${orderId} is ${current.status}, not PAID`, true);
    }
    const booking = (await this.shipping.shipmentOf(orderId))
      ? undefined
      : await this.book(orderId, order, parcels);
    const refused = await this.dataSource.transaction(async (manager) => {
      if (booking) await this.shipping.recordBooking(manager, booking);
      return this.progress.moveAfterEffect(manager, orderId, 'SHIPPED');
    });
    if (refused) throw refused;
  }

  private async book(
    orderId: string,
    order: Awaited<ReturnType<OrdersRepository['claimForShipping']>>['order'],
    parcels: Array<{ sku: string; quantity: number }>,
  ) {
    try {
      return await this.shipping.book(orderId, { address: order.shippingAddress, parcels });
    } catch (error) {
      if (error instanceof CarrierUnavailableError) throw new SagaStepError('SHIPPING_FAILED', error.message);
      throw error;
    }
  }
}

import type { EntityManager } from 'typeorm';
import { OrderEntity, OrderStatusHistoryEntity } from './entities';
import { canTransition, type OrderStatus } from './order-status';
import { IllegalOrderTransitionError, OrderNotFoundError } from './orders.errors';

export interface TransitionResult {
  /** False when the order already was in the target status (a repeated activity). */
  moved: boolean;
  createdAt: Date;
}

/**
 * Moves an order to `to` inside the caller's transaction and records the change in its history.
 * Idempotent: an order already in `to` is left alone (`moved: false`). Any backward move is refused.
 */
export async function transitionOrder(
  manager: EntityManager,
  orderId: string,
  to: OrderStatus,
  reason: string | null = null,
): Promise<TransitionResult> {
  const order = await manager.findOne(OrderEntity, {
    where: { id: orderId },
    select: { id: true, status: true, createdAt: true },
    lock: { mode: 'pessimistic_write' },
  });
  if (!order) throw new OrderNotFoundError(orderId);
  if (order.status === to) return { moved: false, createdAt: order.createdAt };
  if (!canTransition(order.status, to)) throw new IllegalOrderTransitionError(orderId, order.status, to);
  await manager.update(
    OrderEntity,
    { id: orderId },
    { status: to, ...(reason ? { failureReason: reason } : {}) },
  );
  await manager.insert(OrderStatusHistoryEntity, { orderId, fromStatus: order.status, toStatus: to, reason });
  return { moved: true, createdAt: order.createdAt };
}

import type { EntityManager } from 'typeorm';
import { canTransition, type OrderStatus } from './order-status';
import { IllegalOrderTransitionError, OrderNotFoundError } from './orders.errors';

export interface TransitionResult {
  /** False when the order already was in the target status (a repeated activity). */
  moved: boolean;
  createdAt: Date;
}

/**
 * The three statements of a status change, written out: every saga step runs them, five times per order,
 * and building them with TypeORM's query builder cost more CPU than the statements themselves
 * (BENCHMARKS.md, order placement). `benchmarks/order-placement.pgbench.sql` runs the same text.
 */
export const TRANSITION_SQL = {
  lock: 'SELECT status, created_at FROM orders WHERE id = $1 FOR UPDATE',
  move: 'UPDATE orders SET status = $2, updated_at = CURRENT_TIMESTAMP WHERE id = $1',
  moveWithReason:
    'UPDATE orders SET status = $2, failure_reason = $3, updated_at = CURRENT_TIMESTAMP WHERE id = $1',
  record:
    'INSERT INTO order_status_history (order_id, from_status, to_status, reason) VALUES ($1, $2, $3, $4)',
} as const;

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
  const [order]: Array<{ status: OrderStatus; created_at: Date }> = await manager.query(TRANSITION_SQL.lock, [
    orderId,
  ]);
  if (!order) throw new OrderNotFoundError(orderId);
  if (order.status === to) return { moved: false, createdAt: order.created_at };
  if (!canTransition(order.status, to)) throw new IllegalOrderTransitionError(orderId, order.status, to);
  await (reason
    ? manager.query(TRANSITION_SQL.moveWithReason, [orderId, to, reason])
    : manager.query(TRANSITION_SQL.move, [orderId, to]));
  await manager.query(TRANSITION_SQL.record, [orderId, order.status, to, reason]);
  return { moved: true, createdAt: order.created_at };
}

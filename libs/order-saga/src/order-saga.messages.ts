import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { OrderSagaState } from './order-saga.types';

/** Asks the saga to stop and compensate; honoured before shipping starts. */
export const cancelOrderSignal = defineSignal('cancelOrder');

/** The saga's current state, for operators and the API. */
export const orderSagaStateQuery = defineQuery<OrderSagaState>('orderSagaState');

/** One workflow per order: the id is derived from the order id, so starting twice is refused. */
export function orderWorkflowId(orderId: string): string {
  return `order-${orderId}`;
}

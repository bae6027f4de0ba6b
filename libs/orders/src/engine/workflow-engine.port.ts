import type { OrderSagaState } from '@app/order-saga';

export const WORKFLOW_ENGINE = Symbol('WORKFLOW_ENGINE');

/** Runs the order saga: in-process (inline) or on Temporal. Both calls are idempotent per order. */
export interface WorkflowEngine {
  readonly kind: 'inline' | 'temporal';
  /** Starts the saga of an order unless it is already running. */
  start(orderId: string): Promise<void>;
  /** Tells a running saga to stop and compensate; starts it first when it is not running. */
  requestCancellation(orderId: string): Promise<void>;
  /** The saga's own view of its progress, or null when no saga runs for the order. */
  describe(orderId: string): Promise<OrderSagaState | null>;
}

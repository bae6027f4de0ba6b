/**
 * Shared vocabulary of the order saga. This file is bundled into Temporal workflow code:
 * it must stay free of side effects and of Node.js imports.
 */

/** The statuses a forward step leaves the order in: where a resumed saga picks up. */
export type OrderSagaProgress = 'INVENTORY_RESERVED' | 'PAID' | 'SHIPPED';

/** The statuses the saga moves an order to, in the names of the orders library. */
export type OrderSagaStatus = OrderSagaProgress | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface OrderSagaInput {
  orderId: string;
  /**
   * Resume an order from its recorded state: the steps that reached this status are not run again (their
   * compensations stay registered). Absent: from the first step.
   */
  resumeFrom?: OrderSagaProgress;
}

/**
 * Machine-readable reasons an order ends FAILED (also the failure `type` thrown by activities).
 * `INFRASTRUCTURE_UNAVAILABLE`: the order's own systems (database, network) stayed unavailable for longer
 * than a step retries them; `UNEXPECTED_ERROR`: a failure nobody classified (a bug, at the logs).
 */
export const FAILURE_REASONS = [
  'OUT_OF_STOCK',
  'PAYMENT_DECLINED',
  'PAYMENT_PROVIDER_UNAVAILABLE',
  'SHIPPING_FAILED',
  'INFRASTRUCTURE_UNAVAILABLE',
  'UNEXPECTED_ERROR',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** Failure type an activity throws when the order was cancelled before the step could run. */
export const ORDER_CANCELLED_FAILURE = 'ORDER_CANCELLED';

/**
 * The saga's activities. Every activity is idempotent per order: Temporal delivers at least once and
 * the inline engine may re-run a saga from the start after a restart.
 */
export interface OrderSagaActivities {
  /** PENDING → INVENTORY_RESERVED; all lines reserved atomically or none (throws OUT_OF_STOCK). */
  reserveInventory(orderId: string): Promise<void>;
  /** Returns stock held by the order; resolves `true` when something was released. */
  releaseInventory(orderId: string): Promise<boolean>;
  /** INVENTORY_RESERVED → PAID (throws PAYMENT_DECLINED or PAYMENT_PROVIDER_UNAVAILABLE). */
  chargePayment(orderId: string): Promise<void>;
  /** Refunds a captured payment; resolves `true` when a refund was issued. */
  refundPayment(orderId: string): Promise<boolean>;
  /** PAID → SHIPPED; claims the order for shipping first, so a later cancel is refused. */
  arrangeShipping(orderId: string): Promise<void>;
  /** SHIPPED → COMPLETED. */
  completeOrder(orderId: string): Promise<void>;
  /** Any non-terminal state → FAILED with the reason. */
  failOrder(orderId: string, reason: FailureReason): Promise<void>;
  /** Any state before SHIPPED → CANCELLED. */
  cancelOrder(orderId: string): Promise<void>;
}

export type OrderSagaActivityName = keyof OrderSagaActivities;

export type OrderSagaPhase = 'RUNNING' | 'COMPENSATING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** What the saga reports about itself (Temporal query, inline engine state). */
export interface OrderSagaState {
  orderId: string;
  phase: OrderSagaPhase;
  /** The activity running now or last run. */
  currentActivity: OrderSagaActivityName | null;
  completedSteps: OrderSagaActivityName[];
  compensatedSteps: OrderSagaActivityName[];
  cancellationRequested: boolean;
  failureReason: FailureReason | null;
}

export interface OrderSagaResult {
  orderId: string;
  outcome: 'COMPLETED' | 'FAILED' | 'CANCELLED';
  failureReason: FailureReason | null;
}

/** Hooks an engine gives the saga: activities bound to their retry policy, cancellation and progress. */
export interface OrderSagaRuntime {
  activities: OrderSagaActivities;
  isCancellationRequested(): boolean;
  onStateChange?(state: OrderSagaState): void;
  /** Called after each activity that moved the order, with the status it reached. */
  onOrderStatus?(status: OrderSagaStatus): void;
}

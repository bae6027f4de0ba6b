import type { ActivityOptions } from '@temporalio/workflow';
import { ORDER_CANCELLED_FAILURE, type OrderSagaActivityName } from './order-saga.types';

/** Failures that retrying cannot fix: the saga compensates at once. */
export const NON_RETRYABLE_FAILURES = ['OUT_OF_STOCK', 'PAYMENT_DECLINED', ORDER_CANCELLED_FAILURE];

/** The steps that move an order forward; the others compensate or record the outcome. */
export const FORWARD_STEPS = ['reserveInventory', 'chargePayment', 'arrangeShipping'] as const;
export type ForwardStep = (typeof FORWARD_STEPS)[number];

export function isForwardStep(name: string): name is ForwardStep {
  return (FORWARD_STEPS as readonly string[]).includes(name);
}

/**
 * When a forward step stops retrying. The retry policy below sets no attempt limit: where the step runs
 * (the worker's activity interceptor, the inline engine) knows why it failed and marks the failure
 * non-retryable. An unavailable provider or carrier, or an unexpected error, gets `attempts` attempts
 * (a few seconds); the order's own infrastructure (database, network, the step's timeout) is retried
 * for `infrastructureRetryMs` from the step's first attempt, so an outage delays an order, not fails it.
 */
export const FORWARD_STEP_RETRY = {
  attempts: 4,
  /** The default; each process sets its own (SAGA_INFRASTRUCTURE_RETRY_MS). 5 minutes. */
  infrastructureRetryMs: 5 * 60_000,
} as const;

/**
 * Forward steps: 250 ms growing to 10 s between attempts, as many as the step's own decision allows.
 * Changing these options changes nothing for recorded histories (replays compare commands, not options);
 * running workflows keep the options their activities were scheduled with.
 */
export const FORWARD_STEP_OPTIONS: ActivityOptions = {
  startToCloseTimeout: 15_000,
  retry: {
    initialInterval: 250,
    backoffCoefficient: 2,
    maximumInterval: 10_000,
    nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
  },
};

/** Compensation and bookkeeping must eventually succeed: retried without an attempt limit. */
export const COMPENSATION_STEP_OPTIONS: ActivityOptions = {
  startToCloseTimeout: 15_000,
  retry: { initialInterval: 500, backoffCoefficient: 2, maximumInterval: 30_000 }, // no maximumAttempts: unlimited
};

/** The retry policy of every activity, shared by the Temporal workflow and the inline engine. */
export const ORDER_SAGA_ACTIVITY_OPTIONS: Record<OrderSagaActivityName, ActivityOptions> = {
  reserveInventory: FORWARD_STEP_OPTIONS,
  chargePayment: FORWARD_STEP_OPTIONS,
  arrangeShipping: FORWARD_STEP_OPTIONS,
  releaseInventory: COMPENSATION_STEP_OPTIONS,
  refundPayment: COMPENSATION_STEP_OPTIONS,
  completeOrder: COMPENSATION_STEP_OPTIONS,
  failOrder: COMPENSATION_STEP_OPTIONS,
  cancelOrder: COMPENSATION_STEP_OPTIONS,
};

export const ORDER_SAGA_ACTIVITY_NAMES = Object.keys(ORDER_SAGA_ACTIVITY_OPTIONS) as OrderSagaActivityName[];

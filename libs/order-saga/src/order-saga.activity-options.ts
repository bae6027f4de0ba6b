import type { ActivityOptions } from '@temporalio/workflow';
import { ORDER_CANCELLED_FAILURE, type OrderSagaActivityName } from './order-saga.types';

/** Failures that retrying cannot fix: the saga compensates at once. */
export const NON_RETRYABLE_FAILURES = ['OUT_OF_STOCK', 'PAYMENT_DECLINED', ORDER_CANCELLED_FAILURE];

/** Forward steps talk to providers: a few quick retries, then the saga gives up and compensates. */
export const FORWARD_STEP_OPTIONS: ActivityOptions = {
  startToCloseTimeout: 15_000,
  retry: {
    initialInterval: 250,
    backoffCoefficient: 2,
    maximumInterval: 5_000,
    maximumAttempts: 4,
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

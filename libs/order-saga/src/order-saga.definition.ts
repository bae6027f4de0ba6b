import { failureReasonOf, isCancellation } from './order-saga.failures';
import {
  ORDER_CANCELLED_FAILURE,
  type OrderSagaInput,
  type OrderSagaProgress,
  type OrderSagaResult,
  type OrderSagaRuntime,
  type OrderSagaState,
} from './order-saga.types';

/** Marker thrown between steps when a cancellation signal arrived. */
class CancellationRequested extends Error {
  readonly type = ORDER_CANCELLED_FAILURE;
}

interface SagaStep {
  activity: 'reserveInventory' | 'chargePayment' | 'arrangeShipping';
  compensation?: 'releaseInventory' | 'refundPayment';
  /** The status the order is in once the step succeeded. */
  reaches: OrderSagaProgress;
}

/** reserve → charge → ship; each compensation is registered before its step, since a step may succeed
 *  and still report an error (a lost response). Compensations are idempotent no-ops when nothing happened. */
export const ORDER_SAGA_STEPS: readonly SagaStep[] = [
  { activity: 'reserveInventory', compensation: 'releaseInventory', reaches: 'INVENTORY_RESERVED' },
  { activity: 'chargePayment', compensation: 'refundPayment', reaches: 'PAID' },
  { activity: 'arrangeShipping', reaches: 'SHIPPED' },
];

/** How many forward steps an order in this status has completed (0 when it starts from the first). */
function completedStepCount(resumeFrom: OrderSagaProgress | undefined): number {
  return resumeFrom ? ORDER_SAGA_STEPS.findIndex((step) => step.reaches === resumeFrom) + 1 : 0;
}

/**
 * The order saga, written once. The Temporal workflow and the inline engine both run this function;
 * only the runtime (how activities are executed and retried) differs.
 */
export async function runOrderSaga(
  input: OrderSagaInput,
  runtime: OrderSagaRuntime,
): Promise<OrderSagaResult> {
  const { orderId } = input;
  const { activities } = runtime;
  const state: OrderSagaState = {
    orderId,
    phase: 'RUNNING',
    currentActivity: null,
    completedSteps: [],
    compensatedSteps: [],
    cancellationRequested: false,
    failureReason: null,
  };
  const update = (patch: Partial<OrderSagaState>): void => {
    Object.assign(state, patch, { cancellationRequested: runtime.isCancellationRequested() });
    runtime.onStateChange?.({
      ...state,
      completedSteps: [...state.completedSteps],
      compensatedSteps: [...state.compensatedSteps],
    });
  };
  const compensations: Array<'releaseInventory' | 'refundPayment'> = [];
  const alreadyDone = completedStepCount(input.resumeFrom);

  try {
    for (const [index, step] of ORDER_SAGA_STEPS.entries()) {
      if (index < alreadyDone) {
        if (step.compensation) compensations.unshift(step.compensation);
        state.completedSteps.push(step.activity);
        continue;
      }
      if (runtime.isCancellationRequested()) throw new CancellationRequested('cancellation requested');
      if (step.compensation) compensations.unshift(step.compensation);
      update({ currentActivity: step.activity });
      await activities[step.activity](orderId);
      state.completedSteps.push(step.activity);
      runtime.onOrderStatus?.(step.reaches);
    }
    // Shipping is the pivot: once the parcel left, the order only moves forward (no refund, no restock).
    compensations.length = 0;
    update({ currentActivity: 'completeOrder' });
    await activities.completeOrder(orderId);
    runtime.onOrderStatus?.('COMPLETED');
    update({ phase: 'COMPLETED' });
    return { orderId, outcome: 'COMPLETED', failureReason: null };
  } catch (error) {
    const cancelled = error instanceof CancellationRequested || isCancellation(error);
    const failureReason = cancelled ? null : failureReasonOf(error);
    update({ phase: 'COMPENSATING', failureReason });
    for (const compensation of compensations) {
      update({ currentActivity: compensation });
      await activities[compensation](orderId);
      state.compensatedSteps.push(compensation);
    }
    if (cancelled) {
      update({ currentActivity: 'cancelOrder' });
      await activities.cancelOrder(orderId);
      runtime.onOrderStatus?.('CANCELLED');
      update({ phase: 'CANCELLED' });
      return { orderId, outcome: 'CANCELLED', failureReason: null };
    }
    update({ currentActivity: 'failOrder' });
    await activities.failOrder(orderId, failureReason!);
    runtime.onOrderStatus?.('FAILED');
    update({ phase: 'FAILED' });
    return { orderId, outcome: 'FAILED', failureReason };
  }
}

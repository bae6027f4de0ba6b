import { log, proxyActivities, setHandler } from '@temporalio/workflow';
import { cancelOrderSignal, orderSagaStateQuery } from './order-saga.messages';
import { ORDER_SAGA_ACTIVITY_NAMES, ORDER_SAGA_ACTIVITY_OPTIONS } from './order-saga.activity-options';
import { runOrderSaga } from './order-saga.definition';
import type {
  OrderSagaActivities,
  OrderSagaInput,
  OrderSagaResult,
  OrderSagaState,
} from './order-saga.types';

/** The Temporal workflow of one order: the shared saga with each activity proxied under its retry policy. */
export async function orderSagaWorkflow(input: OrderSagaInput): Promise<OrderSagaResult> {
  const activities = Object.fromEntries(
    ORDER_SAGA_ACTIVITY_NAMES.map((name) => [
      name,
      proxyActivities<OrderSagaActivities>(ORDER_SAGA_ACTIVITY_OPTIONS[name])[name],
    ]),
  ) as unknown as OrderSagaActivities;

  let cancellationRequested = false;
  let state: OrderSagaState | undefined;
  setHandler(cancelOrderSignal, () => {
    cancellationRequested = true;
    log.info('order cancellation requested', { 'order.id': input.orderId });
  });
  setHandler(orderSagaStateQuery, () => state ?? initialState(input.orderId, cancellationRequested));

  // The workflow logger's lines skip replays and carry the workflow span's trace id.
  log.info('order saga started', { 'order.id': input.orderId });
  const result = await runOrderSaga(input, {
    activities,
    isCancellationRequested: () => cancellationRequested,
    onStateChange: (next) => {
      state = next;
    },
  });
  log.info('order saga finished', {
    'order.id': input.orderId,
    outcome: result.outcome,
    failureReason: result.failureReason,
  });
  return result;
}

function initialState(orderId: string, cancellationRequested: boolean): OrderSagaState {
  return {
    orderId,
    phase: 'RUNNING',
    currentActivity: null,
    completedSteps: [],
    compensatedSteps: [],
    cancellationRequested,
    failureReason: null,
  };
}

import { log, patched, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { cancelOrderSignal, orderSagaStateQuery } from './order-saga.messages';
import { ORDER_SAGA_ACTIVITY_NAMES, ORDER_SAGA_ACTIVITY_OPTIONS } from './order-saga.activity-options';
import { runOrderSaga } from './order-saga.definition';
import { ORDER_SEARCH_ATTRIBUTES } from './order-saga.search-attributes';
import type {
  OrderSagaActivities,
  OrderSagaInput,
  OrderSagaResult,
  OrderSagaState,
  OrderSagaStatus,
} from './order-saga.types';

/** Histories recorded before the workflow kept its search attributes current replay without the upserts. */
const SEARCH_ATTRIBUTES_PATCH = 'order-search-attributes';

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
    onOrderStatus: (status: OrderSagaStatus) => {
      if (!patched(SEARCH_ATTRIBUTES_PATCH)) return;
      // Workflow time: deterministic on replay, and the moment the activity that moved the order returned.
      upsertSearchAttributes([
        { key: ORDER_SEARCH_ATTRIBUTES.status, value: status },
        { key: ORDER_SEARCH_ATTRIBUTES.statusChangedAt, value: new Date() },
      ]);
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

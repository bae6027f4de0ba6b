export { cancelOrderSignal, orderSagaStateQuery, orderWorkflowId } from './order-saga.messages';
export { orderSagaWorkflow } from './order-saga.workflow';
export { ORDER_SEARCH_ATTRIBUTES, orderSearchAttributes } from './order-saga.search-attributes';
export type { OrderSearchFacts } from './order-saga.search-attributes';
export {
  COMPENSATION_STEP_OPTIONS,
  FORWARD_STEP_OPTIONS,
  FORWARD_STEP_RETRY,
  FORWARD_STEPS,
  isForwardStep,
  NON_RETRYABLE_FAILURES,
  ORDER_SAGA_ACTIVITY_NAMES,
  ORDER_SAGA_ACTIVITY_OPTIONS,
} from './order-saga.activity-options';
export { ORDER_SAGA_STEPS, runOrderSaga } from './order-saga.definition';
export { failureReasonOf, failureTypeOf, isCancellation } from './order-saga.failures';
export { FAILURE_REASONS, ORDER_CANCELLED_FAILURE } from './order-saga.types';
export type { ForwardStep } from './order-saga.activity-options';
export type {
  FailureReason,
  OrderSagaActivities,
  OrderSagaActivityName,
  OrderSagaInput,
  OrderSagaPhase,
  OrderSagaProgress,
  OrderSagaResult,
  OrderSagaStatus,
  OrderSagaRuntime,
  OrderSagaState,
} from './order-saga.types';

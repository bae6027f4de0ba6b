export { ActivityTimeoutError, EngineStoppedError, runWithRetry } from './engine/activity-retry';
export { InlineWorkflowEngine } from './engine/inline-workflow.engine';
export type { InlineEngineOptions } from './engine/inline-workflow.engine';
export { TemporalWorkflowEngine } from './engine/temporal-workflow.engine';
export type { TemporalEngineOptions } from './engine/temporal-workflow.engine';
export { resumePointOf, WORKFLOW_ENGINE } from './engine/workflow-engine.port';
export type { OrderToRun, ResumeOutcome, SagaExecution, WorkflowEngine } from './engine/workflow-engine.port';
export { OrderAdministration } from './admin/order-administration.service';
export type { OperatorOrderView, StuckOrder } from './admin/order-administration.service';
export { OrderEntity, OrderLineEntity, OrderStatusHistoryEntity } from './entities';
export { OrderSagaModule } from './order-saga.module';
export type { OrderSagaModuleOptions } from './order-saga.module';
export {
  ALLOWED_TRANSITIONS,
  CANCELLABLE_STATUSES,
  canTransition,
  NON_TERMINAL_STATUSES,
  ORDER_STATUSES,
  TERMINAL_STATUSES,
} from './order-status';
export type { OrderStatus } from './order-status';
export type { OrderLineView, OrderSummaryView, OrderView } from './order.view';
export {
  IdempotencyKeyReusedError,
  IllegalOrderTransitionError,
  MixedCurrenciesError,
  OrderAlreadyFinishedError,
  OrderNotCancellableError,
  OrderNotFoundError,
  WorkflowEngineUnavailableError,
} from './orders.errors';
export { ORDER_METRICS, oldestUnfinishedOrderGaugeProvider, orderMetricProviders } from './orders.metrics';
export { orderStatusCountProviders } from './status-counts/order-status-counts.providers';
export { OrderStatusCountsMaintenance } from './status-counts/order-status-counts.maintenance';
export { OrderStatusCounts } from './status-counts/order-status-counts.repository';
export type {
  LastReconciliation,
  ReconciliationOutcome,
  StatusReconciliation,
} from './status-counts/order-status-counts.repository';
export { ORDER_STATUS_COUNTS_DEFAULTS } from './status-counts/order-status-counts.settings';
export type { OrderStatusCountsSettings } from './status-counts/order-status-counts.settings';
export { ORDER_STATUS_COUNTS_SQL } from './status-counts/order-status-counts.sql';
export { OrdersModule } from './orders.module';
export type { OrdersModuleOptions, WorkflowEngineOptions } from './orders.module';
export { OrdersRepository, toRun } from './orders.repository';
export type {
  IdempotentOrder,
  NewOrder,
  OrderSearch,
  SagaStepAttempt,
  SagaStepRecord,
  UnfinishedOrder,
  SagaOrder,
  ShippingClaim,
  TransitionResult,
  UnfinishedOrdersFilter,
} from './orders.repository';
export { ORDERS_SQL } from './orders.sql';
export { OrdersService } from './orders.service';
export type { PlacedOrder } from './orders.service';
export type { ListOrdersQuery, PlaceOrderCommand } from './place-order.command';
export { OrderSagaActivitiesService } from './saga/order-saga-activities.service';
export { OrderProgress } from './saga/order-progress';
export { SagaStepError } from './saga/saga-step.error';
export {
  INFRASTRUCTURE_UNAVAILABLE,
  isInfrastructureFailure,
  stepFailure,
  stepFailureKind,
} from './saga/step-failure.policy';
export type { StepAttempt, StepFailureKind, StepRetryOptions } from './saga/step-failure.policy';
export { withStepTimeout } from './saga/step-timeout.error';
export { InlineEngineAlreadyRunningError } from './engine/inline-engine.lease';
export { SagaStepTelemetry } from './saga/saga-step.telemetry';
export { WORKFLOW_METRICS, workflowMetricProviders } from './engine/workflow-metrics';

import { ORDER_SAGA_ACTIVITY_NAMES } from '@app/order-saga';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OrderResponse, OrderSummaryResponse } from './order.response';

export class SagaStepResponse {
  @ApiProperty({ enum: ORDER_SAGA_ACTIVITY_NAMES, description: 'The saga activity' }) step!: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) attempts!: number;
  @ApiProperty({
    example: 'completed',
    description: '`completed`, or the failure type of the last attempt (PAYMENT_PROVIDER_UNAVAILABLE, …)',
  })
  outcome!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The last failed attempt's error, kept after a later success",
  })
  lastError!: string | null;
  @ApiProperty({ format: 'date-time' }) firstStartedAt!: string;
  @ApiProperty({ format: 'date-time' }) lastStartedAt!: string;
  @ApiProperty({ format: 'date-time' }) lastFinishedAt!: string;
  @ApiProperty({ type: 'integer', minimum: 0 }) lastDurationMs!: number;
}

/** Where the order's saga runs: the fields of the engine it runs on. */
export class SagaExecutionResponse {
  @ApiProperty({ enum: ['inline', 'temporal'] }) engine!: 'inline' | 'temporal';
  @ApiPropertyOptional({ description: 'Inline engine: whether this API process runs the saga now' })
  running?: boolean;
  @ApiPropertyOptional({ description: 'Temporal: the workflow id' }) workflowId?: string;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Temporal: the latest run; null when Temporal has no such workflow or is unreachable',
  })
  runId?: string | null;
  @ApiPropertyOptional({
    example: 'RUNNING',
    description: "Temporal: the execution's status (RUNNING, COMPLETED, …), NOT_FOUND or UNAVAILABLE",
  })
  status?: string;
}

/** Any customer's order as an operator reads it. */
export class OperatorOrderResponse extends OrderResponse {
  @ApiProperty({ type: [SagaStepResponse], description: 'Every saga step the order went through' })
  steps!: SagaStepResponse[];
  @ApiProperty({
    type: String,
    nullable: true,
    pattern: '^[0-9a-f]{32}$',
    description: 'The trace of the request that placed the order, when it was sampled',
  })
  traceId!: string | null;
  @ApiProperty({ type: SagaExecutionResponse }) workflow!: SagaExecutionResponse;
}

export class StuckOrderResponse extends OrderSummaryResponse {
  @ApiProperty() cancellationRequested!: boolean;
  @ApiProperty({
    enum: ['reserveInventory', 'chargePayment', 'arrangeShipping', 'completeOrder', 'compensation'],
    description: 'The saga step that moves the order on from its status',
  })
  currentStep!: string;
  @ApiProperty({ example: 'the payment provider', description: 'What that step waits for' })
  waitingFor!: string;
  @ApiProperty({
    type: SagaStepResponse,
    nullable: true,
    description: "That step's record in the step log; null when it was not attempted",
  })
  lastAttempt!: SagaStepResponse | null;
}

export class StuckOrderListResponse {
  @ApiProperty({ type: [StuckOrderResponse], description: 'Least recently changed first' })
  items!: StuckOrderResponse[];
}

export class ResumeOrderResponse {
  @ApiProperty({
    enum: ['started', 'already-running'],
    description: '`started`: the saga runs again from the recorded state; `already-running`: left to run',
  })
  outcome!: 'started' | 'already-running';
  @ApiProperty({ type: OrderResponse }) order!: OrderResponse;
}

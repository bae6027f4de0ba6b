import { failureTypeOf } from '@app/order-saga';
import { InjectMetric, OperationTelemetry, type Counter, type Histogram } from '@app/observability';
import { Injectable } from '@nestjs/common';
import { WORKFLOW_METRICS } from '../engine/workflow-metrics';
import { ORDER_METRICS } from '../orders.metrics';
import { ORDER_SPAN_ATTRIBUTES, SAGA_TRACER } from './saga-tracing';
import { INFRASTRUCTURE_UNAVAILABLE, isInfrastructureFailure } from './step-failure.policy';

/** The engine that ran a step: a label of `workflow_activity_duration_seconds`. */
export type SagaEngineKind = 'inline' | 'temporal';

/**
 * Telemetry of one saga step attempt, the same for both engines (the inline engine calls it around each
 * attempt, the worker's activity interceptor around each Temporal activity): a `saga.<step>` span with
 * the order id, `workflow_activity_duration_seconds{activity,engine,outcome}` and
 * `order_saga_steps_total{step,outcome}`, where the outcome is `completed` or the failure type
 * (OUT_OF_STOCK, PAYMENT_DECLINED, …; INFRASTRUCTURE_UNAVAILABLE while the database or the network is
 * down; `error` for anything unexpected). It sees each attempt's own error: whether the step is tried
 * again is decided around it (step-failure.policy.ts), and the span keeps the original exception.
 */
@Injectable()
export class SagaStepTelemetry {
  private readonly telemetry: OperationTelemetry;

  constructor(
    @InjectMetric(WORKFLOW_METRICS.activityDuration) durations: Histogram<string>,
    @InjectMetric(ORDER_METRICS.sagaSteps) steps: Counter<string>,
  ) {
    this.telemetry = new OperationTelemetry({
      tracerName: SAGA_TRACER,
      durations,
      outcomes: steps,
      outcomeOf: (error) =>
        failureTypeOf(error) ?? (isInfrastructureFailure(error) ? INFRASTRUCTURE_UNAVAILABLE : undefined),
    });
  }

  run<T>(step: string, engine: SagaEngineKind, orderId: unknown, attempt: () => Promise<T>): Promise<T> {
    return this.telemetry.run(
      {
        span: `saga.${step}`,
        attributes: typeof orderId === 'string' ? { [ORDER_SPAN_ATTRIBUTES.orderId]: orderId } : undefined,
        durationLabels: { activity: step, engine },
        countLabels: { step },
      },
      attempt,
    );
  }
}

import { failureTypeOf } from '@app/order-saga';
import { InjectMetric, OperationTelemetry, type Counter, type Histogram } from '@app/observability';
import { Injectable } from '@nestjs/common';
import { WORKFLOW_METRICS } from '../engine/workflow-metrics';
import { ORDER_METRICS } from '../orders.metrics';
import { ORDER_SPAN_ATTRIBUTES, SAGA_TRACER } from './saga-tracing';

/** The engine that ran a step: a label of `workflow_activity_duration_seconds`. */
export type SagaEngineKind = 'inline' | 'temporal';

/**
 * Telemetry of one saga step attempt, the same for both engines (the inline engine calls it around each
 * attempt, the worker's activity interceptor around each Temporal activity): a `saga.<step>` span with
 * the order id, `workflow_activity_duration_seconds{activity,engine,outcome}` and
 * `order_saga_steps_total{step,outcome}`, where the outcome is `completed` or the failure type
 * (OUT_OF_STOCK, PAYMENT_DECLINED, …; `error` for anything unexpected).
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
      outcomeOf: failureTypeOf,
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

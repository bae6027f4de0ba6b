import { failureTypeOf } from '@app/order-saga';
import { InjectMetric, OperationTelemetry, type Counter, type Histogram } from '@app/observability';
import { Injectable, Logger } from '@nestjs/common';
import { WORKFLOW_METRICS } from '../engine/workflow-metrics';
import { ORDER_METRICS } from '../orders.metrics';
import { OrdersRepository, type SagaStepAttempt } from '../orders.repository';
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
 *
 * Each attempt is also added to the order's step log (`order_saga_steps`: attempts, outcome, last error,
 * timing), which operators read on `GET /admin/orders/:id`. That write is one statement after the attempt;
 * when it fails (the database is down) the attempt's own outcome stands and a warning is logged.
 */
@Injectable()
export class SagaStepTelemetry {
  private readonly logger = new Logger(SagaStepTelemetry.name);
  private readonly telemetry: OperationTelemetry;

  constructor(
    @InjectMetric(WORKFLOW_METRICS.activityDuration) durations: Histogram<string>,
    @InjectMetric(ORDER_METRICS.sagaSteps) steps: Counter<string>,
    private readonly orders: OrdersRepository,
  ) {
    this.telemetry = new OperationTelemetry({
      tracerName: SAGA_TRACER,
      durations,
      outcomes: steps,
      outcomeOf: stepOutcomeOf,
    });
  }

  async run<T>(
    step: string,
    engine: SagaEngineKind,
    orderId: unknown,
    attempt: () => Promise<T>,
  ): Promise<T> {
    const startedAt = new Date();
    const measured = this.telemetry.run(
      {
        span: `saga.${step}`,
        attributes:
          typeof orderId === 'string' ? () => ({ [ORDER_SPAN_ATTRIBUTES.orderId]: orderId }) : undefined,
        durationLabels: { activity: step, engine },
        countLabels: { step },
      },
      attempt,
    );
    if (typeof orderId !== 'string') return measured;
    try {
      const result = await measured;
      await this.log({ orderId, step, outcome: 'completed', error: null, startedAt });
      return result;
    } catch (error) {
      const outcome = stepOutcomeOf(error) ?? 'error';
      await this.log({ orderId, step, outcome, error: describeError(error), startedAt });
      throw error;
    }
  }

  private async log(attempt: Omit<SagaStepAttempt, 'finishedAt'>): Promise<void> {
    try {
      await this.orders.recordStepAttempt({ ...attempt, finishedAt: new Date() });
    } catch (error) {
      this.logger.warn(
        `step log of order ${attempt.orderId} not written for ${attempt.step}: ${describeError(error)}`,
      );
    }
  }
}

/** The failure type of a step's error, as the outcome label and the step log name it. */
function stepOutcomeOf(error: unknown): string | undefined {
  return failureTypeOf(error) ?? (isInfrastructureFailure(error) ? INFRASTRUCTURE_UNAVAILABLE : undefined);
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

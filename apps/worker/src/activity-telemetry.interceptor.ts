import type { SagaStepTelemetry } from '@app/orders';
import type { Context as ActivityContext } from '@temporalio/activity';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptorsFactory,
  Next,
} from '@temporalio/worker';

/**
 * Measures every activity attempt the worker executes with the saga's step telemetry (the span, the
 * duration histogram and the outcome counter the inline engine records too), inside Temporal's
 * `RunActivity` span and inside the domain-failure mapping: it sees the attempt's own error (a domain
 * error carries its type; a database or network failure counts as INFRASTRUCTURE_UNAVAILABLE) with its
 * stack, as the inline engine's attempts do.
 */
export class ActivityTelemetryInterceptor implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly context: ActivityContext,
    private readonly steps: SagaStepTelemetry,
  ) {}

  execute(
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    return this.steps.run(this.context.info.activityType, 'temporal', input.args[0], () => next(input));
  }
}

export function activityTelemetryInterceptors(steps: SagaStepTelemetry): ActivityInterceptorsFactory {
  return (context) => ({ inbound: new ActivityTelemetryInterceptor(context, steps) });
}

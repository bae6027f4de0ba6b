import { isForwardStep } from '@app/order-saga';
import { SagaStepError, stepFailure, withStepTimeout, type StepRetryOptions } from '@app/orders';
import type { Info as ActivityInfo } from '@temporalio/activity';
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptorsFactory,
  Next,
} from '@temporalio/worker';

/** What the interceptor reads of the attempt it runs in. */
export type AttemptInfo = Pick<
  ActivityInfo,
  'activityType' | 'attempt' | 'scheduledTimestampMs' | 'startToCloseTimeoutMs'
>;

/**
 * Maps the domain's step failures to Temporal's, the way controllers map domain errors to HTTP: a
 * `SagaStepError` becomes an `ApplicationFailure` of the same type, non-retryable when retrying cannot
 * help. For forward steps it also decides when to stop, since their retry policy sets no attempt limit:
 * the same `stepFailure` decision as the inline engine, from this attempt's number and the time since
 * the step was first scheduled (an unavailable provider: 4 attempts; the database or the network: the
 * infrastructure budget). A forward step's attempt that outlives its start-to-close timeout is reported
 * here just before Temporal would time it out, so that its timeout counts against the budget too.
 * Anything else goes to Temporal as it is (retried under the activity's policy).
 */
export class DomainFailureInterceptor implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly info: AttemptInfo,
    private readonly retry: StepRetryOptions = {},
  ) {}

  async execute(
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    const forward = isForwardStep(this.info.activityType);
    try {
      return forward ? await withStepTimeout(next(input), stepTimeoutMs(this.info)) : await next(input);
    } catch (error) {
      if (error instanceof TemporalFailure) throw error; // Temporal's own (a cancellation): as it is
      const failure = forward
        ? stepFailure(
            error,
            { attempt: this.info.attempt, elapsedMs: Date.now() - this.info.scheduledTimestampMs },
            this.retry,
          )
        : error;
      if (!(failure instanceof SagaStepError)) throw failure;
      throw ApplicationFailure.create({
        message: failure.message,
        type: failure.type,
        nonRetryable: failure.nonRetryable,
        cause: failure.cause instanceof Error ? failure.cause : failure,
      });
    }
  }
}

/** A second under the start-to-close timeout (a tenth of it when that is short). */
function stepTimeoutMs({ startToCloseTimeoutMs }: AttemptInfo): number {
  return startToCloseTimeoutMs - Math.min(1_000, startToCloseTimeoutMs / 10);
}

export function domainFailureInterceptors(retry: StepRetryOptions = {}): ActivityInterceptorsFactory {
  return (context) => ({ inbound: new DomainFailureInterceptor(context.info, retry) });
}

import { SagaStepError } from '@app/orders';
import { ApplicationFailure } from '@temporalio/common';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptorsFactory,
  Next,
} from '@temporalio/worker';

/**
 * Maps the domain's step failures to Temporal's: a `SagaStepError` becomes an `ApplicationFailure` of the
 * same type, non-retryable when the domain says retrying cannot help, the way controllers map domain
 * errors to HTTP. Anything else goes to Temporal as it is (retried under the activity's policy).
 */
export class DomainFailureInterceptor implements ActivityInboundCallsInterceptor {
  async execute(
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    try {
      return await next(input);
    } catch (error) {
      if (!(error instanceof SagaStepError)) throw error;
      throw ApplicationFailure.create({
        message: error.message,
        type: error.type,
        nonRetryable: error.nonRetryable,
        cause: error,
      });
    }
  }
}

export const domainFailureInterceptors: ActivityInterceptorsFactory = () => ({
  inbound: new DomainFailureInterceptor(),
});

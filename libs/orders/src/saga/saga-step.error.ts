import { ORDER_CANCELLED_FAILURE } from '@app/order-saga';

/**
 * A saga step that failed for a reason the saga understands. `type` names it (`OUT_OF_STOCK`,
 * `PAYMENT_DECLINED`, `ORDER_CANCELLED`, `INFRASTRUCTURE_UNAVAILABLE`…), the way the saga and the failure
 * reasons read it; `nonRetryable` says that retrying cannot help (or may not go on). Each engine maps it
 * to its own failure: the inline engine reads it as it is, the Temporal worker turns it into an
 * `ApplicationFailure` (apps/worker, domain-failure.interceptor.ts). `cause` keeps the error it classifies.
 */
export class SagaStepError extends Error {
  override readonly name = 'SagaStepError';

  constructor(
    readonly type: string,
    message: string,
    readonly nonRetryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The order was cancelled before the step could run: final, the saga compensates. */
export function orderCancelled(orderId: string): SagaStepError {
  return new SagaStepError(ORDER_CANCELLED_FAILURE, `order ${orderId} was cancelled`, true);
}

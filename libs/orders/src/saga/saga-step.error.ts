/**
 * A saga step that failed for a business reason. `type` names it (`OUT_OF_STOCK`, `PAYMENT_DECLINED`,
 * `ORDER_CANCELLED`…), the way the saga and the failure reasons read it; `nonRetryable` says that retrying
 * cannot help. Each engine maps it to its own failure: the inline engine reads it as it is, the Temporal
 * worker turns it into an `ApplicationFailure` (apps/worker, domain-failure.interceptor.ts).
 */
export class SagaStepError extends Error {
  override readonly name = 'SagaStepError';

  constructor(
    readonly type: string,
    message: string,
    readonly nonRetryable = false,
  ) {
    super(message);
  }
}

import { FAILURE_REASONS, ORDER_CANCELLED_FAILURE, type FailureReason } from './order-saga.types';

/**
 * The failure `type` carried by an error: a step error thrown by an activity (inline engine),
 * or the ActivityFailure Temporal wraps around it (its `cause`).
 */
export function failureTypeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === 'string' && type.length > 0) return type;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isCancellation(error: unknown): boolean {
  return failureTypeOf(error) === ORDER_CANCELLED_FAILURE;
}

/** Maps a step failure to the order's failure reason; anything unknown is UNEXPECTED_ERROR. */
export function failureReasonOf(error: unknown): FailureReason {
  const type = failureTypeOf(error);
  return (FAILURE_REASONS as readonly string[]).includes(type ?? '')
    ? (type as FailureReason)
    : 'UNEXPECTED_ERROR';
}

/** When a failed delivery is tried again, and when it is given up. */
export interface RetryPolicy {
  /** Delay before the second attempt, in milliseconds; it doubles with each attempt. */
  baseDelayMs: number;
  /** The longest delay between two attempts. */
  maxDelayMs: number;
  /** An event still undelivered this long after it happened is `dead`. */
  maxAgeMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 5_000,
  maxDelayMs: 60 * 60_000,
  maxAgeMs: 24 * 60 * 60_000,
};

/** What one attempt's result means for the event. */
export type AttemptVerdict = 'delivered' | 'retry' | 'dead';

/**
 * 2xx delivered; 5xx, 408 (timeout) and 429 (slow down) retried; any other answer is the receiver saying
 * it will never take this event (4xx): dead at once. No answer at all (timeout, refused, reset) is retried.
 */
export function verdictOf(status: number | undefined): AttemptVerdict {
  if (status === undefined) return 'retry';
  if (status >= 200 && status < 300) return 'delivered';
  if (status >= 500 || status === 408 || status === 429) return 'retry';
  return 'dead';
}

/**
 * Delay before attempt `attempt + 1` after `attempt` failed: exponential, capped, with "equal jitter"
 * (half fixed, half random), so endpoints that fail together are not retried in lockstep.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

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

/** Answers whose `Retry-After` sets the earliest next attempt: 429 (slow down) and 503 (unavailable). */
export const RETRY_AFTER_STATUSES: readonly number[] = [429, 503];

/**
 * A `Retry-After` value (RFC 9110: delay-seconds, or an HTTP-date) as milliseconds from `nowMs`; undefined
 * when absent or neither form. A date in the past is 0.
 */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date names its weekday and its zone (GMT): a bare number or a loose date string is not one.
  if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * Delay before the attempt after a failed `attempt`: the usual backoff, unless the receiver answered 429 or
 * 503 with a `Retry-After` asking for longer; then no earlier than it asks, capped at the policy's longest
 * delay (a receiver cannot park an event beyond the schedule; the maximum age still applies).
 */
export function nextAttemptDelayMs(
  attempt: number,
  policy: RetryPolicy,
  answer: { status?: number; retryAfter?: string },
  { random = Math.random, nowMs = Date.now() }: { random?: () => number; nowMs?: number } = {},
): number {
  const backoff = retryDelayMs(attempt, policy, random);
  const asked =
    answer.status !== undefined && RETRY_AFTER_STATUSES.includes(answer.status)
      ? parseRetryAfter(answer.retryAfter, nowMs)
      : undefined;
  return asked === undefined ? backoff : Math.min(policy.maxDelayMs, Math.max(backoff, asked));
}

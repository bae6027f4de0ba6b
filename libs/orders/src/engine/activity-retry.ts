import { setTimeout as sleep } from 'node:timers/promises';
import type { RetryPolicy } from '@temporalio/common';
import type { ActivityOptions } from '@temporalio/workflow';
import { failureTypeOf } from '@app/order-saga';
import { withStepTimeout } from '../saga/step-timeout.error';
import type { StepAttempt } from '../saga/step-failure.policy';

export { ActivityTimeoutError } from '../saga/step-timeout.error';

/** Thrown when the engine shuts down: the saga stops where it is and is resumed on the next start. */
export class EngineStoppedError extends Error {
  override readonly name = 'EngineStoppedError';
  constructor() {
    super('workflow engine stopped');
  }
}

export interface RetryHooks {
  /**
   * The failure to act on for an attempt's error (Temporal: what the activity side throws), e.g. one
   * marked non-retryable. @default the error as it is
   */
  decide?: (error: unknown, attempt: StepAttempt) => unknown;
  /** Called before waiting for the next attempt. */
  onRetry?: (attempt: number, failure: unknown) => void;
}

function isNonRetryable(error: unknown, policy: RetryPolicy): boolean {
  if (error instanceof EngineStoppedError) return true;
  if ((error as { nonRetryable?: unknown } | null)?.nonRetryable === true) return true;
  const type = failureTypeOf(error) ?? (error as Error | null)?.name;
  return type !== undefined && (policy.nonRetryableErrorTypes ?? []).includes(type);
}

function durationMs(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

/**
 * Runs an activity under the same retry policy Temporal applies (initial interval, backoff, maximum
 * interval, attempts, non-retryable types) and its start-to-close timeout. Stops when `signal` aborts.
 */
export async function runWithRetry<T>(
  activity: (attempt: StepAttempt) => Promise<T>,
  options: ActivityOptions,
  signal: AbortSignal,
  hooks: RetryHooks = {},
): Promise<T> {
  const policy = options.retry ?? {};
  const maxAttempts =
    policy.maximumAttempts && policy.maximumAttempts > 0 ? policy.maximumAttempts : Infinity;
  const timeoutMs = durationMs(options.startToCloseTimeout, 60_000);
  let interval = durationMs(policy.initialInterval, 1_000);
  const maxInterval = durationMs(policy.maximumInterval, interval * 100);
  const firstAttemptAt = Date.now();
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw new EngineStoppedError();
    try {
      return await withStepTimeout(activity({ attempt, elapsedMs: Date.now() - firstAttemptAt }), timeoutMs);
    } catch (error) {
      const failure = hooks.decide
        ? hooks.decide(error, { attempt, elapsedMs: Date.now() - firstAttemptAt })
        : error;
      if (attempt >= maxAttempts || isNonRetryable(failure, policy)) throw failure;
      hooks.onRetry?.(attempt, failure);
      try {
        await sleep(interval, undefined, { signal });
      } catch {
        throw new EngineStoppedError();
      }
      interval = Math.min(interval * (policy.backoffCoefficient ?? 2), maxInterval);
    }
  }
}

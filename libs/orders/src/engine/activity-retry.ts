import { setTimeout as sleep } from 'node:timers/promises';
import type { RetryPolicy } from '@temporalio/common';
import type { ActivityOptions } from '@temporalio/workflow';
import { failureTypeOf } from '@app/order-saga';

/** Thrown when the engine shuts down: the saga stops where it is and is resumed on the next start. */
export class EngineStoppedError extends Error {
  override readonly name = 'EngineStoppedError';
  constructor() {
    super('workflow engine stopped');
  }
}

export class ActivityTimeoutError extends Error {
  override readonly name = 'ActivityTimeoutError';
  readonly type = 'ActivityTimeout';
  constructor(ms: number) {
    super(`activity did not finish within ${ms} ms`);
  }
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
  activity: () => Promise<T>,
  options: ActivityOptions,
  signal: AbortSignal,
  onRetry?: (attempt: number, error: unknown) => void,
): Promise<T> {
  const policy = options.retry ?? {};
  const maxAttempts =
    policy.maximumAttempts && policy.maximumAttempts > 0 ? policy.maximumAttempts : Infinity;
  const timeoutMs = durationMs(options.startToCloseTimeout, 60_000);
  let interval = durationMs(policy.initialInterval, 1_000);
  const maxInterval = durationMs(policy.maximumInterval, interval * 100);
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw new EngineStoppedError();
    try {
      return await withTimeout(activity(), timeoutMs);
    } catch (error) {
      if (attempt >= maxAttempts || isNonRetryable(error, policy)) throw error;
      onRetry?.(attempt, error);
      try {
        await sleep(interval, undefined, { signal });
      } catch {
        throw new EngineStoppedError();
      }
      interval = Math.min(interval * (policy.backoffCoefficient ?? 2), maxInterval);
    }
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ActivityTimeoutError(ms)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

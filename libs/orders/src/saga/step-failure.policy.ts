import { isDatabaseUnavailable } from '@app/database';
import { FORWARD_STEP_RETRY } from '@app/order-saga';
import { SagaStepError } from './saga-step.error';
import { ActivityTimeoutError } from './step-timeout.error';

/**
 * Why a forward step failed, which decides how long it is retried:
 * - `business`: a decline, no stock, a cancellation… retrying cannot help (a non-retryable SagaStepError);
 * - `provider`: the payment provider or the carrier is unavailable (a retryable SagaStepError): a few
 *   quick attempts, then the order fails with that reason;
 * - `infrastructure`: the order's own systems (the database, the network, Temporal) or the step's own
 *   timeout: retried for the infrastructure budget, then INFRASTRUCTURE_UNAVAILABLE;
 * - `unexpected`: anything else (a bug): a few attempts, then UNEXPECTED_ERROR.
 */
export type StepFailureKind = 'business' | 'provider' | 'infrastructure' | 'unexpected';

export const INFRASTRUCTURE_UNAVAILABLE = 'INFRASTRUCTURE_UNAVAILABLE';
const UNEXPECTED_ERROR = 'UNEXPECTED_ERROR';

/** Where a step stands when an attempt failed. */
export interface StepAttempt {
  /** 1 for the first attempt. */
  attempt: number;
  /** Time since the step's first attempt (Temporal: since it was first scheduled), in ms. */
  elapsedMs: number;
}

export interface StepRetryOptions {
  /** How long infrastructure failures are retried from the step's first attempt, in ms. @default 300000 */
  infrastructureRetryMs?: number;
  /** Attempts for an unavailable provider or carrier, and for unexpected errors. @default 4 */
  attempts?: number;
}

/** SQLSTATEs that pass by themselves: serialization failure, deadlock, lock timeout, statement timeout. */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '55P03', '57014']);
/** Node.js and undici network error codes. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);
/** gRPC statuses of a service that cannot be reached (Temporal's frontend): UNAVAILABLE, DEADLINE_EXCEEDED. */
const GRPC_UNREACHABLE = new Set([14, 4]);

/** True for failures of the order's own infrastructure: they pass when it is back. */
export function isInfrastructureFailure(error: unknown): boolean {
  if (isDatabaseUnavailable(error)) return true;
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    if (current instanceof ActivityTimeoutError) return true;
    const { code, details } = current as { code?: unknown; details?: unknown };
    if (typeof code === 'string' && (TRANSIENT_SQLSTATES.has(code) || NETWORK_CODES.has(code))) return true;
    if (typeof code === 'number' && typeof details === 'string' && GRPC_UNREACHABLE.has(code)) return true;
    current = (current as { driverError?: unknown }).driverError ?? (current as { cause?: unknown }).cause;
  }
  return false;
}

export function stepFailureKind(error: unknown): StepFailureKind {
  if (error instanceof SagaStepError) {
    if (error.type === INFRASTRUCTURE_UNAVAILABLE) return 'infrastructure';
    return error.nonRetryable ? 'business' : 'provider';
  }
  return isInfrastructureFailure(error) ? 'infrastructure' : 'unexpected';
}

/**
 * The failure a forward step reports for `error`, shared by both engines: a SagaStepError whose
 * `nonRetryable` says whether the step may be tried again, or `error` itself while an unexpected error
 * still has attempts left. Compensations do not use it: they are retried until they succeed.
 */
export function stepFailure(error: unknown, at: StepAttempt, options: StepRetryOptions = {}): unknown {
  const attempts = options.attempts ?? FORWARD_STEP_RETRY.attempts;
  const budgetMs = options.infrastructureRetryMs ?? FORWARD_STEP_RETRY.infrastructureRetryMs;
  const lastAttempt = at.attempt >= attempts;
  switch (stepFailureKind(error)) {
    case 'business':
      return error;
    case 'provider': {
      const { type, message } = error as SagaStepError;
      return lastAttempt ? new SagaStepError(type, message, true, { cause: error }) : error;
    }
    case 'infrastructure': {
      const spent = at.elapsedMs >= budgetMs;
      const cause = error instanceof SagaStepError ? (error.cause ?? error) : error;
      const message = spent
        ? `infrastructure unavailable for ${Math.round(at.elapsedMs / 1000)} s (attempt ${at.attempt}, budget ${Math.round(budgetMs / 1000)} s): ${messageOf(cause)}`
        : messageOf(cause);
      return new SagaStepError(INFRASTRUCTURE_UNAVAILABLE, message, spent, { cause });
    }
    case 'unexpected':
      return lastAttempt
        ? new SagaStepError(UNEXPECTED_ERROR, messageOf(error), true, { cause: error })
        : error;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

import type { AttemptResult } from '../webhook-telemetry.names';
import { CircuitBreaker } from './circuit-breaker';
import { describeStatus } from './webhook-http-client';

/** How many failed attempts an endpoint's debug view keeps. */
export const RECENT_FAILURES_KEPT = 10;

export interface RecentFailure {
  at: string;
  eventId: string;
  attempt: number;
  statusCode: number | null;
  error: string;
}

/**
 * What this process knows about delivering to one endpoint: its circuit, the attempts in flight, the
 * outcomes since start (Successes, Failures, Errors and a status histogram) and the last failures.
 */
export class EndpointDeliveryState {
  readonly circuit: CircuitBreaker;
  inFlight = 0;
  host = '';
  readonly counts: Record<AttemptResult, number> = { success: 0, failure: 0, error: 0 };
  readonly statuses: Record<string, number> = {};
  private readonly failures: RecentFailure[] = [];

  constructor(
    readonly endpointId: string,
    circuit: { threshold: number; cooldownMs: number },
  ) {
    this.circuit = new CircuitBreaker(circuit.threshold, circuit.cooldownMs);
  }

  /** Counts an attempt; true when the circuit changed state. Only retryable failures trip the circuit. */
  recordAttempt(
    result: AttemptResult,
    attempt: { eventId: string; attempt: number; statusCode?: number; error?: string; retryable: boolean },
  ): boolean {
    this.counts[result] += 1;
    if (attempt.statusCode !== undefined) {
      const status = describeStatus(attempt.statusCode);
      this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    }
    if (result !== 'success') {
      this.failures.unshift({
        at: new Date().toISOString(),
        eventId: attempt.eventId,
        attempt: attempt.attempt,
        statusCode: attempt.statusCode ?? null,
        error: attempt.error ?? '',
      });
      this.failures.length = Math.min(this.failures.length, RECENT_FAILURES_KEPT);
    }
    return result === 'success' || attempt.retryable ? this.circuit.report(result === 'success') : false;
  }

  recentFailures(): RecentFailure[] {
    return [...this.failures];
  }
}

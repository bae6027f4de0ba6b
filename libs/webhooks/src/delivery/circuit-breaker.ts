export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * One endpoint's circuit, in one process. Closed: deliveries flow. After `threshold` consecutive failed
 * attempts it opens: nothing is sent to the endpoint (its deliveries wait; other endpoints are not held
 * up) until `cooldownMs` has passed; then it lets one probe through (half-open). A success closes it, a
 * failure opens it again for another cooldown.
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): CircuitState {
    return this.current;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** When an open circuit lets its probe through (epoch ms); null unless open. */
  get probeAt(): number | null {
    return this.current === 'open' ? this.openedAt + this.cooldownMs : null;
  }

  /** How many more attempts may start now, given `inFlight` running and `concurrency` allowed. */
  allowance(inFlight: number, concurrency: number): number {
    if (this.current === 'open' && this.now() >= this.openedAt + this.cooldownMs) this.current = 'half-open';
    if (this.current === 'open') return 0;
    if (this.current === 'half-open') return inFlight === 0 ? 1 : 0;
    return Math.max(0, concurrency - inFlight);
  }

  /** Records an attempt's result; true when the circuit changed state. */
  report(success: boolean): boolean {
    const before = this.current;
    if (success) {
      this.failures = 0;
      this.current = 'closed';
    } else {
      this.failures += 1;
      if (this.current === 'half-open' || this.failures >= this.threshold) {
        this.current = 'open';
        this.openedAt = this.now();
      }
    }
    return before !== this.current;
  }
}

import type { Counter } from '@app/observability';
import type { LoggerService } from '@nestjs/common';
import { ORDER_PLACEMENT_LIMIT } from './auth.metrics';

/** At most one warning per this interval, however often the store fails or flaps. */
export const STORE_WARNING_INTERVAL_MS = 60_000;

/**
 * What the rate limit's store did for each request. Every failure is counted
 * (`rate_limit_store_errors_total`) and logged without flooding: a warning when the store starts
 * failing, at most one per STORE_WARNING_INTERVAL_MS with the number of requests since the last one,
 * and one line when an announced outage ends.
 */
export class RateLimitStoreHealth {
  private available = true;
  private outageAnnounced = false;
  private lastWarningAt = Number.NEGATIVE_INFINITY;
  private failuresSinceWarning = 0;
  /** Why the connection failed last: a disconnected client's command errors do not say. */
  private connectionError: string | undefined;

  constructor(
    private readonly errors: Counter<'limit'>,
    private readonly logger: LoggerService,
    private readonly now: () => number = Date.now,
  ) {}

  /** A request was served without the limit: the store failed or did not answer in time. */
  failed(error: Error): void {
    this.errors.labels(ORDER_PLACEMENT_LIMIT).inc();
    this.failuresSinceWarning++;
    this.failing(error.message);
  }

  /** The store answered a request. */
  succeeded(): void {
    if (this.available) return;
    this.available = true;
    if (!this.outageAnnounced) return;
    this.outageAnnounced = false;
    this.logger.log('Rate limit store (Redis) answers again: the per-customer limit on POST /orders applies');
  }

  /** Not connected when the API starts: announced at once, before any request fails. */
  notConnectedAtStart(): void {
    this.failing('not connected at start');
  }

  /** The client's own connection errors: remembered for the next warning, not logged one by one. */
  connectionFailed(error: Error): void {
    this.connectionError = error.message;
  }

  connected(): void {
    this.connectionError = undefined;
  }

  private failing(reason: string): void {
    this.available = false;
    const now = this.now();
    if (now - this.lastWarningAt < STORE_WARNING_INTERVAL_MS) return;
    const cause = this.connectionError ? `${reason}; connection: ${this.connectionError}` : reason;
    this.logger.warn(
      `Rate limit store (Redis) failing (${cause}): POST /orders is served without the per-customer limit ` +
        `until it answers again (${this.failuresSinceWarning} request(s) since the last warning)`,
    );
    this.lastWarningAt = now;
    this.failuresSinceWarning = 0;
    this.outageAnnounced = true;
  }
}

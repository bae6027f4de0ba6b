import { ACTIONS, type Action } from './traffic-mix';

export interface LatencySummary {
  /** Milliseconds; null when nothing was measured. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface ErrorCounts {
  /** 5xx answers, timeouts and connection errors together. */
  total: number;
  status5xx: number;
  timeouts: number;
  connection: number;
}

export interface IntervalStatistics {
  durationMs: number;
  responses: number;
  /** Responses per second over the interval. */
  rate: number;
  errors: number;
  p95: number | null;
  /** Responses and errors since the start. */
  totalResponses: number;
  totalErrors: number;
}

export interface TotalStatistics {
  responses: number;
  errors: ErrorCounts;
  /** 4xx (and 409) answers the traffic asked for: bad requests, cancellations of shipped orders. */
  intendedRejections: number;
  /** Non-5xx answers that are not normal for their request (a 404 on a read, a 422 on an order…). */
  unexpectedStatuses: number;
  latencyMs: LatencySummary;
  statuses: Record<string, number>;
  actions: Partial<Record<Action, number>>;
}

/**
 * The value at percentile `p` (0–100) of ascending `sorted` values, by the nearest-rank method: the
 * smallest value with at least p % of the values at or below it. Null for no values.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  if (p <= 0) return sorted[0];
  const rank = Math.ceil((Math.min(p, 100) / 100) * sorted.length);
  return sorted[rank - 1];
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort(); // numeric order, unlike Array#sort
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : null,
  };
}

/** Counts and latencies of a run, in total and per progress interval. */
export class LoadStatistics {
  private readonly latencies: number[] = [];
  private intervalLatencies: number[] = [];
  private intervalErrors = 0;
  private intervalStart: number;
  private readonly statuses = new Map<number, number>();
  private readonly actions = new Map<Action, number>();
  private readonly errors: ErrorCounts = { total: 0, status5xx: 0, timeouts: 0, connection: 0 };
  private intendedRejections = 0;
  private unexpectedStatuses = 0;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.intervalStart = now();
  }

  recordResponse(action: Action, status: number, latencyMs: number, expected: readonly number[]): void {
    this.latencies.push(latencyMs);
    this.intervalLatencies.push(latencyMs);
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    this.actions.set(action, (this.actions.get(action) ?? 0) + 1);
    if (status >= 500) {
      this.errors.status5xx++;
      this.countError();
    } else if (!expected.includes(status)) {
      this.unexpectedStatuses++;
    } else if (status >= 400) {
      this.intendedRejections++;
    }
  }

  /** A request that got no answer: it timed out or its connection failed. */
  recordFailure(kind: 'timeout' | 'connection'): void {
    if (kind === 'timeout') this.errors.timeouts++;
    else this.errors.connection++;
    this.countError();
  }

  /** Statistics since the previous call (or the start), then starts a new interval. */
  takeInterval(): IntervalStatistics {
    const now = this.now();
    const durationMs = now - this.intervalStart;
    const responses = this.intervalLatencies.length;
    const interval: IntervalStatistics = {
      durationMs,
      responses,
      rate: durationMs > 0 ? (responses * 1000) / durationMs : 0,
      errors: this.intervalErrors,
      p95: summarizeLatencies(this.intervalLatencies).p95,
      totalResponses: this.latencies.length,
      totalErrors: this.errors.total,
    };
    this.intervalStart = now;
    this.intervalLatencies = [];
    this.intervalErrors = 0;
    return interval;
  }

  totals(): TotalStatistics {
    return {
      responses: this.latencies.length,
      errors: { ...this.errors },
      intendedRejections: this.intendedRejections,
      unexpectedStatuses: this.unexpectedStatuses,
      latencyMs: summarizeLatencies(this.latencies),
      statuses: Object.fromEntries(
        [...this.statuses].sort(([a], [b]) => a - b).map(([s, n]) => [String(s), n]),
      ),
      actions: Object.fromEntries(
        ACTIONS.filter((a) => this.actions.has(a)).map((a) => [a, this.actions.get(a)!]),
      ),
    };
  }

  private countError(): void {
    this.errors.total++;
    this.intervalErrors++;
  }
}

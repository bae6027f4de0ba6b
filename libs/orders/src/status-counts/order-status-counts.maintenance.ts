import { DatabaseGaugesLease } from '@app/database';
import { InjectMetric, METRICS_ENABLED, type Counter, type Histogram } from '@app/observability';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ORDER_STATUSES } from '../order-status';
import { ORDER_METRICS } from '../orders.metrics';
import { OrderStatusCounts, type ReconciliationOutcome } from './order-status-counts.repository';
import {
  ORDER_STATUS_COUNTS_DEFAULTS,
  ORDER_STATUS_COUNTS_SETTINGS,
  type OrderStatusCountsSettings,
} from './order-status-counts.settings';

/** Fields of the reconciliation's log lines. */
export const RECONCILIATION_LOG_FIELDS = {
  drift: 'order_status_counts.drift',
  durationMs: 'order_status_counts.duration_ms',
} as const;

/** Longest wait before a failed reconciliation is tried again. */
const RETRY_AFTER_FAILURE_MS = 300_000;

/**
 * Keeps `orders_by_status` cheap and right. The API replica that holds the database gauges lease folds the
 * deltas the order changes write into the totals at every `foldIntervalMs`, and once per
 * `reconcileIntervalSeconds` (counted from the last reconciliation by any replica, recorded in the
 * database) compares the totals with a count of every order and adds the difference: the drift is counted
 * in `orders_by_status_drift_total{status}` and logged at warn. With metrics off no replica holds the
 * lease, so every replica folds (folds may run side by side) and none reconciles: nobody reads the counts.
 */
@Injectable()
export class OrderStatusCountsMaintenance implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OrderStatusCountsMaintenance.name);
  private readonly settings: Required<OrderStatusCountsSettings>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** When to ask the database again whether a reconciliation is due (0: at the next tick). */
  private nextReconciliationCheck = 0;

  constructor(
    private readonly counts: OrderStatusCounts,
    private readonly lease: DatabaseGaugesLease,
    @Inject(ORDER_STATUS_COUNTS_SETTINGS) settings: OrderStatusCountsSettings,
    @InjectMetric(ORDER_METRICS.byStatusDrift) private readonly drift: Counter<'status'>,
    @InjectMetric(ORDER_METRICS.byStatusReconciliation) private readonly duration: Histogram,
    @Optional() @Inject(METRICS_ENABLED) private readonly metricsEnabled?: boolean,
  ) {
    this.settings = { ...ORDER_STATUS_COUNTS_DEFAULTS, ...settings };
    // Every status from the start: a series that first appears at 1 shows no increase in Prometheus.
    for (const status of ORDER_STATUSES) this.drift.inc({ status }, 0);
  }

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stops the timer and waits for a fold or reconciliation under way, while the pool is still open. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One round: fold, then reconcile if it is due. Also what the timer runs. */
  runOnce(): Promise<void> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.runOnce().finally(() => this.schedule());
    }, this.settings.foldIntervalMs);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    const leader = this.lease.held;
    if (!leader) this.nextReconciliationCheck = 0;
    if (!leader && this.metricsEnabled !== false) return;
    try {
      await this.counts.fold();
    } catch (error) {
      this.logger.warn(`could not fold the order status count deltas: ${String(error)}`);
    }
    if (!leader || Date.now() < this.nextReconciliationCheck) return;
    await this.reconcileIfDue();
  }

  private async reconcileIfDue(): Promise<void> {
    const interval = this.settings.reconcileIntervalSeconds;
    try {
      const dueIn = await this.counts.reconciliationDueIn(interval);
      if (dueIn > 0) {
        this.nextReconciliationCheck = Date.now() + dueIn * 1000;
        return;
      }
      const outcome = await this.counts.reconcile(interval);
      this.report(outcome);
      this.nextReconciliationCheck = Date.now() + (outcome.skipped ? outcome.dueInSeconds : interval) * 1000;
    } catch (error) {
      this.nextReconciliationCheck =
        Date.now() +
        Math.max(this.settings.foldIntervalMs, Math.min(interval * 1000, RETRY_AFTER_FAILURE_MS));
      this.logger.warn(`could not reconcile the orders by status with the orders: ${String(error)}`);
    }
  }

  private report(outcome: ReconciliationOutcome): void {
    if (outcome.skipped) return;
    this.duration.observe(outcome.durationMs / 1000);
    const drifted = outcome.statuses.filter((s) => s.drift !== 0);
    for (const { status, drift } of drifted) this.drift.inc({ status }, Math.abs(drift));
    const fields = {
      [RECONCILIATION_LOG_FIELDS.drift]: Object.fromEntries(drifted.map((s) => [s.status, s.drift])),
      [RECONCILIATION_LOG_FIELDS.durationMs]: outcome.durationMs,
    };
    if (drifted.length === 0)
      this.logger.log({
        message: `reconciled the orders by status with a count of every order in ${outcome.durationMs} ms: no drift`,
        ...fields,
      });
    else
      this.logger.warn({
        message:
          `orders by status had drifted from the orders, corrected: ` +
          drifted.map((s) => `${s.status} ${s.drift > 0 ? '+' : ''}${s.drift}`).join(', '),
        ...fields,
      });
  }
}

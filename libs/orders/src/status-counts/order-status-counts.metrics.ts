import { makeDatabaseGaugeProvider, removeAllSeries } from '@app/database';
import { makeCounterProvider, makeHistogramProvider, type Gauge } from '@app/observability';
import type { Provider } from '@nestjs/common';
import { ORDER_STATUSES } from '../order-status';
import { ORDER_METRICS } from '../orders.metrics';
import { OrderStatusCounts } from './order-status-counts.repository';

/**
 * `orders_by_status{status}`, every status (0 when none), read at scrape time from the counts the
 * database keeps as orders change (a handful of rows, whatever the number of orders), by the one API
 * replica that holds the database gauges lease: the others export no series, so a sum across replicas
 * counts each order once.
 */
export const ordersByStatusGaugeProvider: Provider = makeDatabaseGaugeProvider({
  name: ORDER_METRICS.byStatus,
  help: 'Orders currently in each status',
  labelNames: ['status'],
  inject: [OrderStatusCounts],
  async collect(this: Gauge<'status'>, counts: OrderStatusCounts) {
    const kept = await counts.read();
    for (const status of ORDER_STATUSES) this.set({ status }, kept.get(status) ?? 0);
  },
});

/** When the kept counts were last reconciled with a count of every order, by any replica. */
export const lastReconciliationGaugeProvider: Provider = makeDatabaseGaugeProvider({
  name: ORDER_METRICS.byStatusLastReconciliation,
  help: 'When orders_by_status was last compared with a count of every order and corrected (Unix time, seconds)',
  inject: [OrderStatusCounts],
  async collect(this: Gauge, counts: OrderStatusCounts) {
    const last = await counts.lastReconciliation();
    if (last) this.set(last.reconciledAt);
    else removeAllSeries(this);
  },
});

/** Recorded by the replica that ran the reconciliation. */
export const reconciliationMetricProviders: Provider[] = [
  makeCounterProvider({
    name: ORDER_METRICS.byStatusDrift,
    help: 'Orders by which a reconciliation found orders_by_status off (either way) and corrected it, by status',
    labelNames: ['status'],
  }),
  makeHistogramProvider({
    name: ORDER_METRICS.byStatusReconciliation,
    help: 'Duration of the reconciliations of orders_by_status with a count of every order, in seconds',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  }),
];

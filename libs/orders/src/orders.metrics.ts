import { makeDatabaseGaugeProvider } from '@app/database';
import { makeCounterProvider, makeHistogramProvider, type Gauge } from '@app/observability';
import type { Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { OrdersRepository } from './orders.repository';

export const ORDER_METRICS = {
  created: 'orders_created_total',
  processing: 'order_processing_seconds',
  byStatus: 'orders_by_status',
  byStatusDrift: 'orders_by_status_drift_total',
  byStatusReconciliation: 'orders_by_status_reconciliation_duration_seconds',
  byStatusLastReconciliation: 'orders_by_status_last_reconciliation_timestamp_seconds',
  errors: 'order_processing_errors_total',
  replays: 'order_idempotent_replays_total',
  sagaSteps: 'order_saga_steps_total',
  compensations: 'order_saga_compensations_total',
  oldestUnfinishedAge: 'orders_oldest_unfinished_age_seconds',
} as const;

export const orderMetricProviders: Provider[] = [
  makeCounterProvider({ name: ORDER_METRICS.created, help: 'Orders accepted (202)' }),
  makeHistogramProvider({
    name: ORDER_METRICS.processing,
    help: 'Time from order creation to its final state, in seconds, by outcome',
    labelNames: ['outcome'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
  }),
  makeCounterProvider({
    name: ORDER_METRICS.errors,
    help: 'Orders that ended FAILED, by machine-readable reason',
    labelNames: ['reason'],
  }),
  makeCounterProvider({
    name: ORDER_METRICS.replays,
    help: 'POST /orders answered from an earlier request with the same Idempotency-Key',
  }),
  makeCounterProvider({
    name: ORDER_METRICS.sagaSteps,
    help: 'Saga activity executions by step and outcome (completed, failed with a failure type)',
    labelNames: ['step', 'outcome'],
  }),
  makeCounterProvider({
    name: ORDER_METRICS.compensations,
    help: 'Compensations that undid something (stock released, payment refunded), by step',
    labelNames: ['step'],
  }),
];

/**
 * Age of the oldest order still in flight (0 when none): a saga that stopped making progress shows here
 * long before anyone complains. Read at scrape time by the replica that holds the database gauges lease.
 */
export const oldestUnfinishedOrderGaugeProvider: Provider = makeDatabaseGaugeProvider({
  name: ORDER_METRICS.oldestUnfinishedAge,
  help: 'Seconds since the oldest order that has not reached a final state was created (0 when none)',
  inject: [getDataSourceToken()],
  async collect(this: Gauge, dataSource: DataSource) {
    this.set(await new OrdersRepository(dataSource).oldestUnfinishedAge());
  },
});

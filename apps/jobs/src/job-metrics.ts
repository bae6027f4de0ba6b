import { StandaloneMetrics } from '@app/observability';
import type { RestockKeyPurgeResult } from './purge-restock-keys.service';
import type { ReconciliationResult } from './reconcile-orders.service';

export const RECONCILIATION_JOB = 'orders_reconciliation';
export const RESTOCK_KEY_PURGE_JOB = 'inventory_restock_keys_purge';

/**
 * A batch job's metrics live only as long as the job, so they are pushed to the Pushgateway under the job's
 * name. `pushAdd` keeps the last success timestamp of an earlier run when this one fails, so "has not
 * succeeded for too long" stays alertable.
 */
export async function pushReconciliationMetrics(
  pushgatewayUrl: string,
  outcome: { durationSeconds: number; result?: ReconciliationResult },
): Promise<void> {
  const metrics = new StandaloneMetrics();
  metrics
    .gauge({
      name: 'orders_reconciliation_duration_seconds',
      help: 'Duration of the last reconciliation run',
    })
    .set(outcome.durationSeconds);
  if (outcome.result) {
    const orders = metrics.gauge({
      name: 'orders_reconciliation_orders',
      help: 'Orders of the last successful run, by result (examined, resolved, unresolved)',
      labelNames: ['result'],
    });
    for (const result of ['examined', 'resolved', 'unresolved'] as const)
      orders.set({ result }, outcome.result[result]);
    metrics
      .gauge({
        name: 'orders_reconciliation_last_success_timestamp_seconds',
        help: 'Unix time of the last successful reconciliation run',
      })
      .setToCurrentTime();
  } else {
    metrics
      .gauge({
        name: 'orders_reconciliation_last_failure_timestamp_seconds',
        help: 'Unix time of the last failed reconciliation run',
      })
      .setToCurrentTime();
  }
  await metrics.pushAdd(pushgatewayUrl, RECONCILIATION_JOB);
}

/**
 * The purge of expired restock keys, pushed under its own job name like the reconciliation's: the keys it
 * deleted (a counter of the run) and how long it took, and the time of its last success or failure.
 */
export async function pushRestockKeyPurgeMetrics(
  pushgatewayUrl: string,
  outcome: { durationSeconds: number; result?: RestockKeyPurgeResult },
): Promise<void> {
  const metrics = new StandaloneMetrics();
  metrics
    .gauge({
      name: 'inventory_restock_keys_purge_duration_seconds',
      help: 'Duration of the last purge of expired restock idempotency keys',
    })
    .set(outcome.durationSeconds);
  if (outcome.result) {
    metrics
      .counter({
        name: 'inventory_restock_keys_purged_total',
        help: 'Expired restock idempotency keys deleted by the last successful purge',
      })
      .inc(outcome.result.purged);
    metrics
      .gauge({
        name: 'inventory_restock_keys_purge_last_success_timestamp_seconds',
        help: 'Unix time of the last successful purge of expired restock idempotency keys',
      })
      .setToCurrentTime();
  } else {
    metrics
      .gauge({
        name: 'inventory_restock_keys_purge_last_failure_timestamp_seconds',
        help: 'Unix time of the last failed purge of expired restock idempotency keys',
      })
      .setToCurrentTime();
  }
  await metrics.pushAdd(pushgatewayUrl, RESTOCK_KEY_PURGE_JOB);
}

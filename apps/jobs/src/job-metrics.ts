import { StandaloneMetrics } from '@app/observability';
import type { ReconciliationResult } from './reconcile-orders.service';

export const RECONCILIATION_JOB = 'orders_reconciliation';

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

import { Gauge, Pushgateway, Registry } from 'prom-client';
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
  const registry = new Registry();
  new Gauge({
    name: 'orders_reconciliation_duration_seconds',
    help: 'Duration of the last reconciliation run',
    registers: [registry],
  }).set(outcome.durationSeconds);
  if (outcome.result) {
    const orders = new Gauge({
      name: 'orders_reconciliation_orders',
      help: 'Orders of the last successful run, by result (examined, resolved, unresolved)',
      labelNames: ['result'],
      registers: [registry],
    });
    for (const result of ['examined', 'resolved', 'unresolved'] as const)
      orders.set({ result }, outcome.result[result]);
    new Gauge({
      name: 'orders_reconciliation_last_success_timestamp_seconds',
      help: 'Unix time of the last successful reconciliation run',
      registers: [registry],
    }).setToCurrentTime();
  } else {
    new Gauge({
      name: 'orders_reconciliation_last_failure_timestamp_seconds',
      help: 'Unix time of the last failed reconciliation run',
      registers: [registry],
    }).setToCurrentTime();
  }
  await new Pushgateway(pushgatewayUrl, { timeout: 5_000 }, registry).pushAdd({
    jobName: RECONCILIATION_JOB,
  });
}

import { StandaloneMetrics } from '@app/observability';
import type { RestockKeyPurgeResult } from './purge-restock-keys.service';
import type { WebhookDataPurgeResult } from './purge-webhook-data.service';
import type { ReconciliationResult } from './reconcile-orders.service';

export const RECONCILIATION_JOB = 'orders_reconciliation';
export const RESTOCK_KEY_PURGE_JOB = 'inventory_restock_keys_purge';
export const WEBHOOK_RETENTION_JOB = 'webhook_retention_purge';

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

/**
 * The purge of webhook data past its retention, pushed under its own job name: the rows it deleted per
 * table (a counter of the run), its batches, how long it took, whether it caught up, how far past its
 * retention the oldest row it left is per table (0 when caught up: the "falling behind" signal), and the
 * time of its last success or failure.
 */
export async function pushWebhookRetentionMetrics(
  pushgatewayUrl: string,
  outcome: { durationSeconds: number; result?: WebhookDataPurgeResult },
): Promise<void> {
  const metrics = new StandaloneMetrics();
  metrics
    .gauge({
      name: 'webhook_retention_purge_duration_seconds',
      help: 'Duration of the last purge of webhook data past its retention',
    })
    .set(outcome.durationSeconds);
  if (outcome.result) {
    const { purged, batches, caughtUp, overdueSeconds } = outcome.result;
    const deleted = metrics.counter({
      name: 'webhook_retention_purged_total',
      help: 'Rows deleted by the last successful purge of webhook data, by table',
      labelNames: ['table'],
    });
    deleted.inc({ table: 'webhook_deliveries' }, purged.deliveries);
    deleted.inc({ table: 'webhook_events' }, purged.events);
    metrics
      .gauge({
        name: 'webhook_retention_purge_batches',
        help: 'Transactions the last successful purge of webhook data took',
      })
      .set(batches);
    metrics
      .gauge({
        name: 'webhook_retention_caught_up',
        help: '1 when the last successful purge left nothing past its retention, 0 when its time budget ran out first',
      })
      .set(caughtUp ? 1 : 0);
    const overdue = metrics.gauge({
      name: 'webhook_retention_overdue_seconds',
      help: 'How far past its retention the oldest row the last successful purge left is, by table (0: caught up)',
      labelNames: ['table'],
    });
    overdue.set({ table: 'webhook_deliveries' }, overdueSeconds.deliveries);
    overdue.set({ table: 'webhook_events' }, overdueSeconds.events);
    metrics
      .gauge({
        name: 'webhook_retention_purge_last_success_timestamp_seconds',
        help: 'Unix time of the last successful purge of webhook data',
      })
      .setToCurrentTime();
  } else {
    metrics
      .gauge({
        name: 'webhook_retention_purge_last_failure_timestamp_seconds',
        help: 'Unix time of the last failed purge of webhook data',
      })
      .setToCurrentTime();
  }
  await metrics.pushAdd(pushgatewayUrl, WEBHOOK_RETENTION_JOB);
}

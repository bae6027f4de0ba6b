import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppLogger } from '@app/observability';
import type { JobsConfig } from './config/jobs.config';
import {
  pushReconciliationMetrics,
  pushRestockKeyPurgeMetrics,
  pushWebhookRetentionMetrics,
} from './job-metrics';
import { JobsModule } from './jobs.module';
import { PurgeRestockKeysService, type RestockKeyPurgeResult } from './purge-restock-keys.service';
import { PurgeWebhookDataService, type WebhookDataPurgeResult } from './purge-webhook-data.service';
import { ReconcileOrdersService, type ReconciliationResult } from './reconcile-orders.service';

/** What one run of the jobs did. */
export interface JobsRun {
  reconciliation: ReconciliationResult;
  restockKeyPurge: RestockKeyPurgeResult;
  webhookRetention: WebhookDataPurgeResult;
}

/**
 * One run of the batch jobs, each pushing its own metrics: resume stuck orders and report the rest, then
 * delete the expired restock idempotency keys, then the webhook data past its retention. A failure of one
 * does not keep the others from running; the run then fails with the first error.
 */
export async function runJobs(config: JobsConfig): Promise<JobsRun> {
  const started = process.hrtime.bigint();
  const app = await NestFactory.createApplicationContext(JobsModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(AppLogger));
  try {
    // The reconciliation's duration includes the start of the application, as it always has.
    const reconciliation = await settle(() => reconcile(app, config, started));
    const restockKeyPurge = await settle(() => purgeRestockKeys(app, config));
    const webhookRetention = await settle(() => purgeWebhookData(app, config));
    if ('error' in reconciliation) throw reconciliation.error;
    if ('error' in restockKeyPurge) throw restockKeyPurge.error;
    if ('error' in webhookRetention) throw webhookRetention.error;
    return {
      reconciliation: reconciliation.value,
      restockKeyPurge: restockKeyPurge.value,
      webhookRetention: webhookRetention.value,
    };
  } finally {
    await app.close();
  }
}

async function reconcile(
  app: INestApplicationContext,
  config: JobsConfig,
  started: bigint,
): Promise<ReconciliationResult> {
  const elapsed = () => secondsSince(started);
  try {
    const result = await app.get(ReconcileOrdersService).run(config.reconcile);
    const logger = app.get(AppLogger);
    logger.log(
      { message: 'reconciliation finished', ...result, unresolvedOrderIds: undefined },
      'Reconciliation',
    );
    if (config.pushgatewayUrl)
      await pushReconciliationMetrics(config.pushgatewayUrl, { durationSeconds: elapsed(), result });
    return result;
  } catch (error) {
    if (config.pushgatewayUrl)
      await pushReconciliationMetrics(config.pushgatewayUrl, { durationSeconds: elapsed() }).catch(
        () => undefined,
      );
    throw error;
  }
}

async function purgeRestockKeys(
  app: INestApplicationContext,
  config: JobsConfig,
): Promise<RestockKeyPurgeResult> {
  const started = process.hrtime.bigint();
  const elapsed = () => secondsSince(started);
  try {
    const result = await app.get(PurgeRestockKeysService).run(config.restockKeyPurge);
    const durationSeconds = elapsed();
    const logger = app.get(AppLogger);
    const duration = Math.round(durationSeconds * 1e9); // ECS event.duration: nanoseconds
    logger.log(
      { message: 'expired restock keys purged', ...result, 'event.duration': duration },
      'RestockKeyPurge',
    );
    if (config.pushgatewayUrl)
      await pushRestockKeyPurgeMetrics(config.pushgatewayUrl, { durationSeconds, result });
    return result;
  } catch (error) {
    if (config.pushgatewayUrl)
      await pushRestockKeyPurgeMetrics(config.pushgatewayUrl, { durationSeconds: elapsed() }).catch(
        () => undefined,
      );
    throw error;
  }
}

async function purgeWebhookData(
  app: INestApplicationContext,
  config: JobsConfig,
): Promise<WebhookDataPurgeResult> {
  const started = process.hrtime.bigint();
  const elapsed = () => secondsSince(started);
  try {
    const result = await app.get(PurgeWebhookDataService).run(config.webhookRetention);
    const durationSeconds = elapsed();
    const logger = app.get(AppLogger);
    const duration = Math.round(durationSeconds * 1e9); // ECS event.duration: nanoseconds
    const { purged, overdueSeconds, ...run } = result;
    logger.log(
      {
        message: 'webhook data past its retention purged',
        ...run,
        purgedDeliveries: purged.deliveries,
        purgedEvents: purged.events,
        overdueDeliveriesSeconds: overdueSeconds.deliveries,
        overdueEventsSeconds: overdueSeconds.events,
        'event.duration': duration,
      },
      'WebhookRetention',
    );
    if (config.pushgatewayUrl)
      await pushWebhookRetentionMetrics(config.pushgatewayUrl, { durationSeconds, result });
    return result;
  } catch (error) {
    if (config.pushgatewayUrl)
      await pushWebhookRetentionMetrics(config.pushgatewayUrl, { durationSeconds: elapsed() }).catch(
        () => undefined,
      );
    throw error;
  }
}

type Settled<T> = { value: T } | { error: unknown };

async function settle<T>(work: () => Promise<T>): Promise<Settled<T>> {
  try {
    return { value: await work() };
  } catch (error) {
    return { error };
  }
}

const secondsSince = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;

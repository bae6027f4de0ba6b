import { NestFactory } from '@nestjs/core';
import { AppLogger } from '@app/observability';
import type { JobsConfig } from './config/jobs.config';
import { pushReconciliationMetrics } from './job-metrics';
import { JobsModule } from './jobs.module';
import { ReconcileOrdersService, type ReconciliationResult } from './reconcile-orders.service';

/** One reconciliation run: resume stuck orders, report the rest, push the run's metrics. */
export async function runReconciliation(config: JobsConfig): Promise<ReconciliationResult> {
  const started = process.hrtime.bigint();
  const app = await NestFactory.createApplicationContext(JobsModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(AppLogger));
  const logger = app.get(AppLogger);
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    const result = await app.get(ReconcileOrdersService).run(config.reconcile);
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
  } finally {
    await app.close();
  }
}

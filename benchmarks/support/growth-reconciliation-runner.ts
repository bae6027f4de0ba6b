// First import, as in the job's main.ts: tracing starts before anything it instruments is loaded.
import { tracing } from '../../apps/jobs/src/instrumentation';
import { performance } from 'node:perf_hooks';
import { AppLogger } from '@app/observability';
import { NestFactory } from '@nestjs/core';
import { loadJobsConfig } from '../../apps/jobs/src/config/jobs.config';
import { JobsModule } from '../../apps/jobs/src/jobs.module';
import { ReconcileOrdersService } from '../../apps/jobs/src/reconcile-orders.service';

/** What the runner answers over IPC. */
export type RunnerMessage =
  | { type: 'ready'; bootMs: number }
  | { type: 'ran'; ms: number; examined: number; resolved: number; unresolved: number }
  | { type: 'failed'; error: string };
/** What it is asked over IPC. */
export type RunnerRequest = { type: 'run' } | { type: 'stop' };

/**
 * The growth benchmark's reconciliation job: the jobs app's module and configuration (from the
 * environment, as `npm run job:reconcile` reads it), started once, then one `ReconcileOrdersService` run —
 * the job's own query and resumption — each time it is asked, timed here. The job builds the same
 * application for every run; starting it once keeps its start-up, which no size changes, out of the figures.
 */
async function main(): Promise<void> {
  const send = (message: RunnerMessage) => process.send?.(message);
  const started = performance.now();
  const config = loadJobsConfig();
  const app = await NestFactory.createApplicationContext(JobsModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(AppLogger));
  const reconciliation = app.get(ReconcileOrdersService);
  const stop = async () => {
    await app.close();
    await tracing.shutdown();
    process.exit(0);
  };
  process.on('message', (request: RunnerRequest) => {
    if (request.type === 'stop') {
      void stop();
      return;
    }
    const runStarted = performance.now();
    reconciliation.run(config.reconcile).then(
      (result) =>
        send({
          type: 'ran',
          ms: performance.now() - runStarted,
          examined: result.examined,
          resolved: result.resolved,
          unresolved: result.unresolved,
        }),
      (error: unknown) => send({ type: 'failed', error: String(error) }),
    );
  });
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  send({ type: 'ready', bootMs: performance.now() - started });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

// First import: tracing must start before anything it instruments is loaded.
import { tracing } from './instrumentation';
import { ConfigurationError } from '@app/config';
import { loadJobsConfig } from './config/jobs.config';
import { runReconciliation } from './run-reconciliation';

/** `npm run job:reconcile`: exits 0 when the run succeeded (unresolved orders are reported, not failures). */
async function main(): Promise<void> {
  try {
    await runReconciliation(loadJobsConfig());
    await tracing.shutdown();
    process.exit(0);
  } catch (error) {
    console.error(error instanceof ConfigurationError ? error.message : error);
    await tracing.shutdown();
    process.exit(1);
  }
}

void main();

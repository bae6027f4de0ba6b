// First import: tracing must start before anything it instruments is loaded.
import { tracing } from './instrumentation';
import { ConfigurationError } from '@app/config';
import { loadJobsConfig } from './config/jobs.config';
import { runJobs } from './run-jobs';

/**
 * `npm run job:reconcile`: reconciles stuck orders, then purges expired restock keys, then webhook data past
 * its retention; exits 0 when all succeeded (unresolved orders, and a purge that ran out of time, are
 * reported, not failures).
 */
async function main(): Promise<void> {
  try {
    await runJobs(loadJobsConfig());
    await tracing.shutdown();
    process.exit(0);
  } catch (error) {
    console.error(error instanceof ConfigurationError ? error.message : error);
    await tracing.shutdown();
    process.exit(1);
  }
}

void main();

import { Logger } from '@nestjs/common';
import { MigrationExecutor, type DataSource } from 'typeorm';
import { withAdvisoryLock } from './advisory-lock';

/**
 * Fields of the migrations' log lines, under `migrations.` (`event.action` belongs to the audit stream's
 * business events, never to diagnostic lines).
 */
export const MIGRATION_LOG_FIELDS = {
  outcome: 'migrations.outcome',
  ran: 'migrations.ran',
  waitedForLock: 'migrations.waited_for_lock',
  durationMs: 'migrations.duration_ms',
} as const;

const logger = new Logger('DatabaseMigrations');

/**
 * Runs the pending migrations, each in a transaction of its own, while holding the `migrations` advisory
 * lock: processes that start together on one database take turns, so the first runs every migration and
 * the others find none pending. Logs which ones this process ran; returns their names.
 */
export async function runPendingMigrations(dataSource: DataSource): Promise<string[]> {
  const started = performance.now();
  let waited = false;
  const fields = (outcome: 'ran' | 'failed') => ({
    [MIGRATION_LOG_FIELDS.outcome]: outcome,
    [MIGRATION_LOG_FIELDS.waitedForLock]: waited,
    [MIGRATION_LOG_FIELDS.durationMs]: Math.round(performance.now() - started),
  });
  const ran = await withAdvisoryLock(
    dataSource,
    'migrations',
    (runner) => {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      return executor.executePendingMigrations();
    },
    {
      onWait: () => {
        waited = true;
        logger.log('another process is running the migrations: waiting for it to finish');
      },
    },
  ).catch((error: unknown) => {
    logger.error({ message: `migrations failed: ${String(error)}`, ...fields('failed') });
    throw error;
  });
  const names = ran.map((migration) => migration.name);
  logger.log({
    message:
      names.length === 0
        ? 'ran 0 pending migrations: the schema is up to date'
        : `ran ${names.length} pending migration(s): ${names.join(', ')}`,
    [MIGRATION_LOG_FIELDS.ran]: names,
    ...fields('ran'),
  });
  return names;
}

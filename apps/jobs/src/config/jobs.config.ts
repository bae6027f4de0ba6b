import {
  envInt,
  databaseSettings,
  loggingSettings,
  parseEnv,
  postgresUrl,
  serviceIdentity,
  sharedEnvShape,
  simulatorSettings,
  temporalAddress,
  envUrl,
  workflowEngineSettings,
} from '@app/config';
import { z } from 'zod';

/** Every environment variable the batch jobs read, with its default and description (docs/configuration.md). */
export const jobsEnvSchema = z.object({
  ...sharedEnvShape,
  DATABASE_URL: postgresUrl().describe('PostgreSQL URL (`postgres:` or `postgresql:`).'),
  TEMPORAL_ADDRESS: temporalAddress()
    .optional()
    .describe(
      'Temporal frontend `host:port`: stuck orders are handed to Temporal. Unset: the job runs their sagas itself.',
    ),
  PUSHGATEWAY_URL: envUrl(['http', 'https'])
    .optional()
    .describe("Pushgateway (http or https) that receives the run's metrics. Unset: nothing is pushed."),
  RECONCILE_STUCK_AFTER_SECONDS: envInt(60, 7 * 24 * 3600)
    .default(900)
    .describe(
      'An order that is not final and has not changed for this long is handed back to the workflow engine.',
    ),
  RECONCILE_BATCH_SIZE: envInt(1, 10_000).default(500).describe('Most orders one run handles.'),
  RESTOCK_KEYS_PURGE_BATCH_SIZE: envInt(1, 100_000)
    .default(1000)
    .describe('Most expired restock idempotency keys one delete statement removes.'),
  WEBHOOK_RETENTION_DELIVERED_DAYS: envInt(1, 3650)
    .default(30)
    .describe(
      'Days a delivered webhook delivery is kept after it was delivered; then it is deleted, with its event once the event has no delivery left. An event that has no delivery at all is deleted this many days after it was written.',
    ),
  WEBHOOK_RETENTION_DEAD_DAYS: envInt(1, 3650)
    .default(90)
    .describe(
      'Days a dead webhook delivery is kept (listed, and redeliverable by an operator) after it was given up; then it is deleted. Pending deliveries are never deleted.',
    ),
  WEBHOOK_RETENTION_PURGE_BATCH_SIZE: envInt(1, 100_000)
    .default(1000)
    .describe(
      'Most webhook deliveries one purge transaction deletes (with their events), and most events one batch of the sweep of events without deliveries looks at.',
    ),
  WEBHOOK_RETENTION_PURGE_MAX_SECONDS: envInt(1, 3600)
    .default(120)
    .describe(
      "Time one run may spend purging webhook data: no batch starts after it, and the rest waits for the next run (webhook_retention_caught_up 0). Keep the run within the CronJob's deadline.",
    ),
});

export type JobsConfig = ReturnType<typeof toJobsConfig>;

function toJobsConfig(env: z.infer<typeof jobsEnvSchema>, raw: NodeJS.ProcessEnv) {
  return {
    service: serviceIdentity(raw, 'orders-jobs'),
    logging: loggingSettings(env),
    database: { url: env.DATABASE_URL, ...databaseSettings(env) },
    // The job resumes the orders it selects itself; it must not resume every unfinished order on start.
    engine: workflowEngineSettings(env, env.TEMPORAL_ADDRESS, { resumeOnStart: false }),
    pushgatewayUrl: env.PUSHGATEWAY_URL,
    reconcile: { stuckAfterSeconds: env.RECONCILE_STUCK_AFTER_SECONDS, batchSize: env.RECONCILE_BATCH_SIZE },
    /** Expired restock keys are deleted this many per statement, until none is left. */
    restockKeyPurge: { batchSize: env.RESTOCK_KEYS_PURGE_BATCH_SIZE },
    /** Finished webhook deliveries and their events past retention: deleted in batches, within a time budget. */
    webhookRetention: {
      policy: {
        deliveredDays: env.WEBHOOK_RETENTION_DELIVERED_DAYS,
        deadDays: env.WEBHOOK_RETENTION_DEAD_DAYS,
      },
      batchSize: env.WEBHOOK_RETENTION_PURGE_BATCH_SIZE,
      maxSeconds: env.WEBHOOK_RETENTION_PURGE_MAX_SECONDS,
    },
    ...simulatorSettings(env),
  };
}

/** Reads and validates the jobs' configuration; throws a ConfigurationError naming each bad variable. */
export function loadJobsConfig(env: NodeJS.ProcessEnv = process.env): JobsConfig {
  return toJobsConfig(parseEnv(jobsEnvSchema, env), env);
}

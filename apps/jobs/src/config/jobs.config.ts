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
    ...simulatorSettings(env),
  };
}

/** Reads and validates the jobs' configuration; throws a ConfigurationError naming each bad variable. */
export function loadJobsConfig(env: NodeJS.ProcessEnv = process.env): JobsConfig {
  return toJobsConfig(parseEnv(jobsEnvSchema, env), env);
}

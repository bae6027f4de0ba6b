import {
  databaseSettings,
  loggingSettings,
  serviceIdentity,
  envInt,
  parseEnv,
  postgresUrl,
  sharedEnvShape,
  webhookSeriesSettings,
  simulatorSettings,
  temporalAddress,
  type LogLevelName,
} from '@app/config';
import { z } from 'zod';

export { ConfigurationError } from '@app/config';
export type { LogLevelName };

/** Every environment variable the worker reads, with its default and description (docs/configuration.md). */
export const workerEnvSchema = z.object({
  ...sharedEnvShape,
  TEMPORAL_ADDRESS: temporalAddress().describe('Temporal frontend `host:port`.'),
  DATABASE_URL: postgresUrl().describe('PostgreSQL URL (`postgres:` or `postgresql:`).'),
  METRICS_PORT: envInt(0, 65535)
    .default(9465)
    .describe('Management port: `/metrics`, `/health/live` and `/health/ready`.'),
  TEMPORAL_METRICS_PORT: envInt(0, 65535).default(9466).describe("Port of the Temporal SDK's own metrics."),
  WORKER_MAX_CONCURRENT_ACTIVITIES: envInt(1, 10_000)
    .default(50)
    .describe('Activities this worker runs at once.'),
  WORKER_SHUTDOWN_GRACE_MS: envInt(0, 600_000)
    .default(10_000)
    .describe('On SIGTERM, how long the activities in flight get to finish.'),
  /** Workflow entry file when no prebuilt bundle sits next to main.js; defaults to the repo's order-saga. */
  WORKFLOWS_PATH: z
    .string()
    .optional()
    .describe(
      "Workflow entry file, used when no prebuilt bundle sits next to `main.js`; unset: the repository's `libs/order-saga`.",
    ),
});

export type WorkerConfig = ReturnType<typeof toWorkerConfig>;

function toWorkerConfig(env: z.infer<typeof workerEnvSchema>, raw: NodeJS.ProcessEnv) {
  return {
    service: serviceIdentity(raw, 'orders-worker'),
    logLevel: env.LOG_LEVEL,
    logging: loggingSettings(env),
    /** Management port: /health/* now, /metrics later. */
    metricsPort: env.METRICS_PORT,
    readinessDrainMs: env.SHUTDOWN_READINESS_DRAIN_MS,
    /** The container's memory limit: readiness fails when the heap nears it. Unset: not known. */
    memoryLimitBytes: env.MEMORY_LIMIT_BYTES,
    database: { url: env.DATABASE_URL, ...databaseSettings(env) },
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      maxConcurrentActivities: env.WORKER_MAX_CONCURRENT_ACTIVITIES,
      shutdownGraceMs: env.WORKER_SHUTDOWN_GRACE_MS,
      workflowsPath: env.WORKFLOWS_PATH,
      sdkMetricsAddress: `0.0.0.0:${env.TEMPORAL_METRICS_PORT}`,
      /** How long saga steps retry database and network failures before the order fails with INFRASTRUCTURE_UNAVAILABLE. */
      infrastructureRetryMs: env.SAGA_INFRASTRUCTURE_RETRY_MS,
    },
    webhookSeries: webhookSeriesSettings(env),
    ...simulatorSettings(env),
  };
}

/** Reads and validates the worker's configuration; throws a ConfigurationError naming each bad variable. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return toWorkerConfig(parseEnv(workerEnvSchema, env), env);
}

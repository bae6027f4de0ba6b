import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

// Environment values are strings: these turn them into typed values with a message naming the problem.
const envInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const envRatio = () => z.coerce.number().min(0).max(1);
const envBoolean = () =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Every environment variable the worker reads, with its default. */
const workerEnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('orders'),
  DATABASE_URL: z
    .string()
    .url()
    .refine((v) => /^postgres(ql)?:/.test(v), { message: 'expected a postgres or postgresql URL' }),
  DATABASE_POOL_MAX: envInt(1, 200).default(10),
  DATABASE_RUN_MIGRATIONS: envBoolean().default('true'),
  METRICS_PORT: envInt(0, 65535).default(9465),
  WORKER_MAX_CONCURRENT_ACTIVITIES: envInt(1, 10_000).default(50),
  WORKER_SHUTDOWN_GRACE_MS: envInt(0, 600_000).default(10_000),
  /** Workflow entry file when no prebuilt bundle sits next to main.js; defaults to the repo's order-saga. */
  WORKFLOWS_PATH: z.string().optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  PAYMENT_SIM_LATENCY_MS: envInt(0, 60_000).default(50),
  PAYMENT_SIM_DECLINE_RATE: envRatio().default(0),
  PAYMENT_SIM_OUTAGE: envBoolean().default('false'),
  CARRIER_SIM_LATENCY_MS: envInt(0, 60_000).default(50),
  CARRIER_SIM_FAILURE_RATE: envRatio().default(0),
});

export type LogLevelName = (typeof LOG_LEVELS)[number];
export type WorkerConfig = ReturnType<typeof toWorkerConfig>;

function toWorkerConfig(env: z.infer<typeof workerEnvSchema>) {
  return {
    logLevel: env.LOG_LEVEL,
    /** Management port: /health/* now, /metrics later. */
    metricsPort: env.METRICS_PORT,
    database: {
      url: env.DATABASE_URL,
      poolMax: env.DATABASE_POOL_MAX,
      runMigrations: env.DATABASE_RUN_MIGRATIONS,
    },
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      maxConcurrentActivities: env.WORKER_MAX_CONCURRENT_ACTIVITIES,
      shutdownGraceMs: env.WORKER_SHUTDOWN_GRACE_MS,
      workflowsPath: env.WORKFLOWS_PATH,
    },
    payments: {
      simulator: {
        latencyMs: env.PAYMENT_SIM_LATENCY_MS,
        declineRate: env.PAYMENT_SIM_DECLINE_RATE,
        outage: env.PAYMENT_SIM_OUTAGE,
      },
    },
    shipping: {
      simulator: { latencyMs: env.CARRIER_SIM_LATENCY_MS, failureRate: env.CARRIER_SIM_FAILURE_RATE },
    },
  };
}

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** Reads and validates the worker's configuration; throws a ConfigurationError naming each bad variable. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  // Empty strings count as unset, as they do for most twelve-factor apps.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = workerEnvSchema.safeParse(cleaned);
  if (result.success) return toWorkerConfig(result.data);
  const problems = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigurationError(`Invalid configuration:\n${problems.join('\n')}`);
}

import { z } from 'zod';
import { FAULT_LIMITS } from './fault-limits';
import { envBoolean, envInt, envRatio, envUrl } from './env-parsers';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** Variables both processes read, with the same meaning and defaults (README's configuration table). */
export const sharedEnvShape = {
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  SHUTDOWN_READINESS_DRAIN_MS: envInt(0, 120_000).default(5_000),
  ELASTICSEARCH_URL: envUrl(['http', 'https']).optional(),
  ELASTICSEARCH_INDEX_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,60}$/, 'lowercase letters, digits, - and _')
    .default('orders'),
  DATABASE_POOL_MAX: envInt(1, 200).default(10),
  /**
   * The container's memory limit in bytes (Kubernetes: the Downward API's `limits.memory`): readiness
   * then fails when the heap nears it. A value under 64 MiB is a unit mistake (a divisor), not a limit.
   */
  MEMORY_LIMIT_BYTES: envInt(64 * 1024 ** 2, Number.MAX_SAFE_INTEGER).optional(),
  DATABASE_RUN_MIGRATIONS: envBoolean().default(true),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('orders'),
  TEMPORAL_CALL_TIMEOUT_MS: envInt(100, 60_000).default(5_000),
  /**
   * How long a saga step retries failures of the infrastructure (database unavailable, connection
   * reset, its own timeout) from its first attempt before the order fails with INFRASTRUCTURE_UNAVAILABLE:
   * read by whichever process runs the steps (the worker, or the API and the jobs on the inline engine).
   * 5 minutes by default, at most a day.
   */
  SAGA_INFRASTRUCTURE_RETRY_MS: envInt(1_000, 24 * 3600_000).default(300_000),
  PAYMENT_SIM_LATENCY_MS: envInt(0, FAULT_LIMITS.maxLatencyMs).default(50),
  PAYMENT_SIM_DECLINE_RATE: envRatio().default(0),
  PAYMENT_SIM_OUTAGE: envBoolean().default(false),
  CARRIER_SIM_LATENCY_MS: envInt(0, FAULT_LIMITS.maxLatencyMs).default(50),
  CARRIER_SIM_FAILURE_RATE: envRatio().default(0),
  DATABASE_FAULT_LATENCY_MS: envInt(0, FAULT_LIMITS.maxLatencyMs).default(0),
  DATABASE_FAULT_RATIO: envRatio().default(1),
  FAULT_INJECTION_REFRESH_MS: envInt(100, 600_000).default(2_000),
};

export const temporalAddress = () => z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port');
export const postgresUrl = () => envUrl(['postgres', 'postgresql']);

type SharedEnv = z.infer<z.ZodObject<typeof sharedEnvShape>>;

/**
 * The workflow engine an order-starting process uses: Temporal when `temporalAddress` is set, else the
 * inline engine with the given options (it runs the saga's steps itself, so it takes their retry budget).
 */
export function workflowEngineSettings<Inline extends { resumeOnStart: boolean }>(
  env: SharedEnv,
  temporalAddress: string | undefined,
  inline: Inline,
) {
  return temporalAddress
    ? {
        type: 'temporal' as const,
        address: temporalAddress,
        namespace: env.TEMPORAL_NAMESPACE,
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        callTimeoutMs: env.TEMPORAL_CALL_TIMEOUT_MS,
      }
    : { type: 'inline' as const, infrastructureRetryMs: env.SAGA_INFRASTRUCTURE_RETRY_MS, ...inline };
}

/** Log level and, when ELASTICSEARCH_URL is set, shipping to Elasticsearch (unset: stdout only). */
export function loggingSettings(env: SharedEnv) {
  return {
    level: env.LOG_LEVEL,
    elasticsearch: env.ELASTICSEARCH_URL
      ? { url: env.ELASTICSEARCH_URL, indexPrefix: env.ELASTICSEARCH_INDEX_PREFIX }
      : undefined,
  };
}

/**
 * Settings of the simulated payment provider and carrier, as the domain modules take them, and the
 * configured faults: the baseline that run-time overrides (operator API) are applied on top of.
 */
export function simulatorSettings(env: SharedEnv) {
  const payment = {
    latencyMs: env.PAYMENT_SIM_LATENCY_MS,
    declineRate: env.PAYMENT_SIM_DECLINE_RATE,
    outage: env.PAYMENT_SIM_OUTAGE,
  };
  const carrier = { latencyMs: env.CARRIER_SIM_LATENCY_MS, failureRate: env.CARRIER_SIM_FAILURE_RATE };
  return {
    payments: { simulator: payment },
    shipping: { simulator: carrier },
    faults: {
      baseline: {
        payment,
        carrier,
        database: { latencyMs: env.DATABASE_FAULT_LATENCY_MS, ratio: env.DATABASE_FAULT_RATIO },
      },
      refreshIntervalMs: env.FAULT_INJECTION_REFRESH_MS,
    },
  };
}

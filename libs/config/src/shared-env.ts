import { z } from 'zod';
import { FAULT_LIMITS } from './fault-limits';
import { envBoolean, envInt, envRatio, envUrl } from './env-parsers';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/**
 * Variables every process (API, worker, jobs) reads, with the same meaning and defaults. Each carries its
 * description: `npm run docs:config` writes docs/configuration.md's reference tables from these schemas.
 */
export const sharedEnvShape = {
  NODE_ENV: z.string().default('development').describe('Deployment environment name.'),
  LOG_LEVEL: z
    .enum(LOG_LEVELS)
    .default('info')
    .describe('Log level; `silent` also silences the audit stream.'),
  LOG_SAMPLING_RATIO: envRatio()
    .optional()
    .describe(
      'Share of traces whose `info`/`debug` lines are kept, by trace id; warnings, errors, audit and untraced lines always are ([more](observability.md#log-sampling)).',
    ),
  SHUTDOWN_READINESS_DRAIN_MS: envInt(0, 120_000)
    .default(5_000)
    .describe('On SIGTERM, how long readiness answers 503 before the server stops accepting.'),
  ELASTICSEARCH_URL: envUrl(['http', 'https'])
    .optional()
    .describe('Elasticsearch (http or https) to ship logs and audit events to, as well as stdout.'),
  ELASTICSEARCH_INDEX_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,60}$/, 'lowercase letters, digits, - and _')
    .default('orders')
    .describe(
      'Data streams `<prefix>-logs` and `<prefix>-audit` (run `node ops/elasticsearch/bootstrap.js` once: ILM rolls them daily or at 50 GB).',
    ),
  DATABASE_POOL_MAX: envInt(1, 200).default(10).describe('Connection pool size.'),
  DB_SPAN_THRESHOLD_MS: envInt(0, 60_000)
    .default(10)
    .describe(
      'With tracing on, a SQL statement gets a span when it takes at least this many milliseconds, or fails; `0`: every statement ([more](observability.md#traces)).',
    ),
  /**
   * The container's memory limit in bytes (Kubernetes: the Downward API's `limits.memory`): readiness
   * then fails when the heap nears it. A value under 64 MiB is a unit mistake (a divisor), not a limit.
   */
  MEMORY_LIMIT_BYTES: envInt(64 * 1024 ** 2, Number.MAX_SAFE_INTEGER)
    .optional()
    .describe(
      "The container's memory limit in bytes (Kubernetes' Downward API): readiness fails when the heap passes 70 % of it (1.5 GiB when unset).",
    ),
  DATABASE_RUN_MIGRATIONS: envBoolean()
    .default(true)
    .describe(
      'Apply pending TypeORM migrations at start, under a lock (the schema is never `synchronize`d).',
    ),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default').describe('Temporal namespace.'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('orders').describe('Task queue of the order workflow.'),
  TEMPORAL_CALL_TIMEOUT_MS: envInt(100, 60_000)
    .default(5_000)
    .describe(
      'Deadline of each call that starts or signals a workflow; past it the API answers `503` and the order is kept.',
    ),
  /**
   * How long a saga step retries failures of the infrastructure (database unavailable, connection
   * reset, its own timeout) from its first attempt before the order fails with INFRASTRUCTURE_UNAVAILABLE:
   * read by whichever process runs the steps (the worker, or the API and the jobs on the inline engine).
   * 5 minutes by default, at most a day.
   */
  SAGA_INFRASTRUCTURE_RETRY_MS: envInt(1_000, 24 * 3600_000)
    .default(300_000)
    .describe(
      'How long a saga step retries through a database or network outage before the order fails with `INFRASTRUCTURE_UNAVAILABLE` (read by whichever process runs the steps).',
    ),
  WEBHOOK_METRICS_PRUNE_INTERVAL_MS: envInt(100, 3_600_000)
    .default(60_000)
    .describe(
      "How often each process removes a deleted webhook endpoint's series from its `/metrics` (whichever replica deleted it).",
    ),
  PAYMENT_SIM_LATENCY_MS: envInt(0, FAULT_LIMITS.maxLatencyMs)
    .default(50)
    .describe('Simulated payment provider: delay per call.'),
  PAYMENT_SIM_DECLINE_RATE: envRatio().default(0).describe('Share of charges declined at random.'),
  PAYMENT_SIM_OUTAGE: envBoolean().default(false).describe('Every provider call fails (transiently).'),
  CARRIER_SIM_LATENCY_MS: envInt(0, FAULT_LIMITS.maxLatencyMs)
    .default(50)
    .describe('Simulated carrier: delay per booking.'),
  CARRIER_SIM_FAILURE_RATE: envRatio().default(0).describe('Share of bookings that fail.'),
  DATABASE_FAULT_LATENCY_MS: envInt(0, FAULT_LIMITS.maxLatencyMs)
    .default(0)
    .describe('Injected delay before SQL statements (held on the connection), for fault drills.'),
  DATABASE_FAULT_RATIO: envRatio()
    .default(1)
    .describe('Share of statements the database latency applies to.'),
  FAULT_INJECTION_REFRESH_MS: envInt(100, 600_000)
    .default(2_000)
    .describe('How often each process re-reads the faults switched on at run time (`/admin/faults`).'),
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

/**
 * Log level, log sampling (unset: every line) and, when ELASTICSEARCH_URL is set, shipping to Elasticsearch
 * (unset: stdout only).
 */
export function loggingSettings(env: SharedEnv) {
  return {
    level: env.LOG_LEVEL,
    samplingRatio: env.LOG_SAMPLING_RATIO,
    elasticsearch: env.ELASTICSEARCH_URL
      ? { url: env.ELASTICSEARCH_URL, indexPrefix: env.ELASTICSEARCH_INDEX_PREFIX }
      : undefined,
  };
}

/** The connection pool, migrations at start, and which statements get a span. */
export function databaseSettings(env: SharedEnv) {
  return {
    poolMax: env.DATABASE_POOL_MAX,
    runMigrations: env.DATABASE_RUN_MIGRATIONS,
    spanThresholdMs: env.DB_SPAN_THRESHOLD_MS,
  };
}

/** How each process keeps deleted webhook endpoints' series out of its `/metrics`. */
export function webhookSeriesSettings(env: SharedEnv) {
  return { pruneIntervalMs: env.WEBHOOK_METRICS_PRUNE_INTERVAL_MS };
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

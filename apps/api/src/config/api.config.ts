import { z } from 'zod';
import { envBoolean, envInt, envRatio, envUrl, parseEnv } from './env-parsers';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/** Every environment variable the API reads, with its default. README's configuration table mirrors it. */
const apiEnvSchema = z.object({
  PORT: envInt(0, 65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  DATABASE_URL: envUrl(['postgres', 'postgresql']).optional(),
  DATABASE_POOL_MAX: envInt(1, 200).default(10),
  DATABASE_RUN_MIGRATIONS: envBoolean().default('true'),
  EMBEDDED_DATABASE_DIR: z.string().default('.data/pglite'),
  EMBEDDED_DATABASE_PORT: envInt(0, 65535).default(5433),
  SEED_DEMO_CATALOG: envBoolean().default('true'),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'expected host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('orders'),
  TEMPORAL_CALL_TIMEOUT_MS: envInt(100, 60_000).default(5_000),
  INLINE_RESUME_ON_START: envBoolean().default('true'),
  OPERATOR_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  BODY_LIMIT_BYTES: envInt(1024, 16 * 1024 * 1024).default(1024 * 1024),
  PAYMENT_SIM_LATENCY_MS: envInt(0, 60_000).default(50),
  PAYMENT_SIM_DECLINE_RATE: envRatio().default(0),
  PAYMENT_SIM_OUTAGE: envBoolean().default('false'),
  CARRIER_SIM_LATENCY_MS: envInt(0, 60_000).default(50),
  CARRIER_SIM_FAILURE_RATE: envRatio().default(0),
});

export type ApiConfig = ReturnType<typeof toApiConfig>;

function toApiConfig(env: z.infer<typeof apiEnvSchema>) {
  return {
    port: env.PORT,
    host: env.HOST,
    environment: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    /** Unset: an embedded PostgreSQL is started (see main.ts). */
    databaseUrl: env.DATABASE_URL,
    database: { poolMax: env.DATABASE_POOL_MAX, runMigrations: env.DATABASE_RUN_MIGRATIONS },
    embeddedDatabase: { dataDir: env.EMBEDDED_DATABASE_DIR, port: env.EMBEDDED_DATABASE_PORT },
    seedDemoCatalog: env.SEED_DEMO_CATALOG,
    engine: env.TEMPORAL_ADDRESS
      ? {
          type: 'temporal' as const,
          address: env.TEMPORAL_ADDRESS,
          namespace: env.TEMPORAL_NAMESPACE,
          taskQueue: env.TEMPORAL_TASK_QUEUE,
          callTimeoutMs: env.TEMPORAL_CALL_TIMEOUT_MS,
        }
      : { type: 'inline' as const, resumeOnStart: env.INLINE_RESUME_ON_START },
    operatorApiKey: env.OPERATOR_API_KEY,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
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

/** Reads and validates the API's configuration; throws a ConfigurationError naming each bad variable. */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return toApiConfig(parseEnv(apiEnvSchema, env));
}

import {
  databaseSettings,
  loggingSettings,
  serviceIdentity,
  envBoolean,
  envInt,
  parseEnv,
  postgresUrl,
  sharedEnvShape,
  simulatorSettings,
  webhookSeriesSettings,
  temporalAddress,
  workflowEngineSettings,
} from '@app/config';
import { z } from 'zod';
import { authEnvShape, authSettings, requireCompleteJwksSettings } from './auth.config';
import { rateLimitEnvShape, rateLimitFieldSettings, rateLimitStoreSettings } from './rate-limit.config';
import { webhookSettings, webhooksEnvShape } from './webhooks.config';
import { restockEnvShape, restockIdempotencySettings } from '../products/restock-idempotency.settings';

/**
 * The `type` base of errors when PROBLEM_TYPE_BASE is unset: a placeholder under the reserved `.example`
 * domain (RFC 2606), naming no real site; deployments point it at where they publish `docs/errors/`.
 */
export const DEFAULT_PROBLEM_TYPE_BASE = 'https://orders.example/errors/';

/** An absolute URI without query or fragment, ending with `/`: the code is appended to it. */
const PROBLEM_TYPE_BASE_ERROR = 'expected an absolute URI ending with / (no query or fragment)';
const problemTypeBase = () =>
  z
    .url({ error: PROBLEM_TYPE_BASE_ERROR })
    .refine((value) => value.endsWith('/') && !/[?#]/.test(value), { error: PROBLEM_TYPE_BASE_ERROR });

/** Every environment variable the API reads, with its default and description (docs/configuration.md). */
export const apiEnvSchema = z
  .object({
    ...sharedEnvShape,
    ...authEnvShape,
    ...webhooksEnvShape,
    ...rateLimitEnvShape,
    ...restockEnvShape,
    PORT: envInt(0, 65535).default(3000).describe('API port.'),
    METRICS_PORT: envInt(0, 65535)
      .default(9464)
      .describe('Port of `/metrics` (never served on the API port).'),
    METRICS_ENABLED: envBoolean()
      .default(true)
      .describe("`false`: no metrics port, no HTTP or SQL timing (the observability benchmark's baseline)."),
    HOST: z.string().default('0.0.0.0').describe('Interface the API listens on.'),
    DATABASE_URL: postgresUrl()
      .optional()
      .describe(
        'PostgreSQL URL (`postgres:` or `postgresql:`). Unset: an embedded PostgreSQL (PGlite over the Postgres wire protocol) is started.',
      ),
    EMBEDDED_DATABASE_DIR: z
      .string()
      .default('.data/pglite')
      .describe('Where the embedded database keeps its files (git-ignored).'),
    EMBEDDED_DATABASE_PORT: envInt(0, 65535)
      .default(5433)
      .describe(
        'Port of the embedded database on 127.0.0.1 (`0`: any free port); `psql -h 127.0.0.1 -p 5433 -U postgres` works while the API runs.',
      ),
    DATABASE_GAUGES_LEASE_INTERVAL_MS: envInt(100, 300_000)
      .default(5_000)
      .describe(
        'How often a replica tries to become (or checks it still is) the one that exports the gauges read from the database.',
      ),
    ORDER_COUNTS_RECONCILE_SECONDS: envInt(10, 7 * 24 * 3600)
      .default(3_600)
      .describe(
        'How often `orders_by_status` is checked against a count of every order and corrected: the one thing that reads every order.',
      ),
    SEED_DEMO_CATALOG: envBoolean()
      .default(true)
      .describe('Load the demo catalog when the catalog is empty.'),
    TEMPORAL_ADDRESS: temporalAddress()
      .optional()
      .describe('Temporal frontend `host:port`. Unset: the inline engine.'),
    INLINE_RESUME_ON_START: envBoolean()
      .default(true)
      .describe('Inline engine: resume unfinished orders at start.'),
    /**
     * The inline engine holds a lease on its database, so a second API process running it there refuses
     * to start. `false` only where several processes share a database on purpose (tests, benchmarks)
     * and accept that one order's saga may run in two of them.
     */
    INLINE_ENGINE_EXCLUSIVE: envBoolean()
      .default(true)
      .describe(
        "Inline engine: take the database's inline-engine lease, so a second API process on the same database refuses to start. `false` only for tests.",
      ),
    BODY_LIMIT_BYTES: envInt(1024, 16 * 1024 * 1024)
      .default(1024 * 1024)
      .describe('Largest accepted request body (`413` beyond).'),
    BODY_DRAIN_LIMIT_BYTES: envInt(0, 1024 * 1024 * 1024)
      .default(32 * 1024 * 1024)
      .describe(
        'Most bytes of a refused body still read (and discarded) so the client reads the answer; beyond, the connection is closed.',
      ),
    BODY_DRAIN_TIMEOUT_MS: envInt(0, 60_000)
      .default(5_000)
      .describe('Longest wait for the rest of a refused body; beyond, the connection is closed.'),
    PROBLEM_TYPE_BASE: problemTypeBase()
      .default(DEFAULT_PROBLEM_TYPE_BASE)
      .describe(
        "Where the error code pages (`docs/errors/`) are published: every error's `type` is this followed by its code in lower-kebab-case (`…/rate-limited`). An absolute URI ending with `/`; the default is a placeholder, point it at the deployment's copy of `docs/errors/`.",
      ),
  })
  // Also when other variables are invalid, so one start names every problem.
  .superRefine(requireCompleteJwksSettings, { when: () => true });

export type ApiConfig = ReturnType<typeof toApiConfig>;

function toApiConfig(env: z.infer<typeof apiEnvSchema>, raw: NodeJS.ProcessEnv) {
  const service = serviceIdentity(raw, 'orders-api');
  return {
    service,
    port: env.PORT,
    /** `false`: no metrics server, no per-request or per-query metrics (the benchmark's baseline). */
    metricsEnabled: env.METRICS_ENABLED,
    metricsPort: env.METRICS_PORT,
    readinessDrainMs: env.SHUTDOWN_READINESS_DRAIN_MS,
    /** The container's memory limit: readiness fails when the heap nears it. Unset: not known. */
    memoryLimitBytes: env.MEMORY_LIMIT_BYTES,
    host: env.HOST,
    environment: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    logging: loggingSettings(env),
    /** Unset: an embedded PostgreSQL is started (see main.ts). */
    databaseUrl: env.DATABASE_URL,
    database: databaseSettings(env),
    embeddedDatabase: { dataDir: env.EMBEDDED_DATABASE_DIR, port: env.EMBEDDED_DATABASE_PORT },
    /**
     * The gauges read from the database are exported by one replica, the holder of an advisory lock;
     * the others try to take it at this interval (the longest a dead exporter goes unreplaced).
     */
    databaseGauges: { leaseIntervalMs: env.DATABASE_GAUGES_LEASE_INTERVAL_MS },
    orderStatusCounts: { reconcileIntervalSeconds: env.ORDER_COUNTS_RECONCILE_SECONDS },
    seedDemoCatalog: env.SEED_DEMO_CATALOG,
    /** Inline (one process, tests and demos) unless TEMPORAL_ADDRESS is set, as in production. */
    engine: workflowEngineSettings(env, env.TEMPORAL_ADDRESS, {
      resumeOnStart: env.INLINE_RESUME_ON_START,
      exclusive: env.INLINE_ENGINE_EXCLUSIVE,
    }),
    auth: authSettings(env),
    /** Endpoint URL policy (SSRF) and delivery (retries, limits, circuit breaker). */
    webhooks: webhookSettings(env, service.version),
    webhookSeries: webhookSeriesSettings(env),
    /** POST /orders per customer and minute; 0: no limit. */
    orderRateLimitPerMinute: env.ORDER_RATE_LIMIT_PER_MINUTE,
    /** Where that limit is counted: Redis (shared by the replicas) or this process. */
    orderRateLimitStore: rateLimitStoreSettings(env),
    /** How long a restock's Idempotency-Key is remembered. */
    restockIdempotency: restockIdempotencySettings(env),
    /** How that limit is advertised: the policy's name in `RateLimit-Policy`, the legacy `x-ratelimit-*` headers. */
    orderRateLimitFields: rateLimitFieldSettings(env),
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    /** How much of a body answered before it was read (413, 415) is still read, so the client gets the answer. */
    bodyDrain: { maxBytes: env.BODY_DRAIN_LIMIT_BYTES, timeoutMs: env.BODY_DRAIN_TIMEOUT_MS },
    /** What every error's `type` starts with: the address of the error code pages, ending with `/`. */
    problemTypeBase: env.PROBLEM_TYPE_BASE,
    ...simulatorSettings(env),
  };
}

/** Reads and validates the API's configuration; throws a ConfigurationError naming each bad variable. */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return toApiConfig(parseEnv(apiEnvSchema, env), env);
}

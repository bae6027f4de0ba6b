import { envBoolean, envInt, envUrl } from '@app/config';
import { z } from 'zod';

/** Where the per-customer limit on POST /orders is counted and how it is advertised, for docs/configuration.md. */
export const rateLimitEnvShape = {
  // Unset: each process counts on its own, so N replicas allow N times the limit.
  RATE_LIMIT_REDIS_URL: envUrl(['redis', 'rediss'])
    .optional()
    .describe(
      'Redis (`redis://`, `rediss://`) that every replica counts the order limit in. Unset: each process counts alone (one process only).',
    ),
  // How long a request waits for Redis before it is served without the limit.
  RATE_LIMIT_REDIS_TIMEOUT_MS: envInt(10, 5_000)
    .default(200)
    .describe(
      'Longest a request waits for Redis; past it, or with Redis down, the request is served unlimited (fail open) and counted.',
    ),
  RATE_LIMIT_POLICY_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'expected 1-64 letters, digits, dots, dashes or underscores' })
    .default('orders')
    .describe(
      'Name of the order limit in the `RateLimit-Policy` and `RateLimit` response fields (`"orders";q=60;w=60`).',
    ),
  RATE_LIMIT_LEGACY_HEADERS: envBoolean()
    .default(false)
    .describe(
      '`true`: `POST /orders` answers also carry `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset` (seconds), for older clients.',
    ),
};

type RateLimitEnv = z.infer<z.ZodObject<typeof rateLimitEnvShape>>;

/** Every key of the limit starts with this: a Redis shared with other apps tells them apart. */
export const RATE_LIMIT_KEY_PREFIX = 'orders:ratelimit:';

/** The order limit counts in fixed windows of this length, each starting at a customer's first order in it. */
export const ORDER_RATE_LIMIT_WINDOW_SECONDS = 60;

export type RateLimitStoreSettings =
  | {
      /** Counted in this process: exact for one process, per replica otherwise. */
      kind: 'process';
    }
  | {
      /** Counted in Redis, shared by every replica; served without the limit while Redis fails. */
      kind: 'redis';
      url: string;
      keyPrefix: string;
      /** A request waits at most this long for Redis. */
      timeoutMs: number;
    };

export function rateLimitStoreSettings(env: RateLimitEnv): RateLimitStoreSettings {
  return env.RATE_LIMIT_REDIS_URL
    ? {
        kind: 'redis',
        url: env.RATE_LIMIT_REDIS_URL,
        keyPrefix: RATE_LIMIT_KEY_PREFIX,
        timeoutMs: env.RATE_LIMIT_REDIS_TIMEOUT_MS,
      }
    : { kind: 'process' };
}

/** How the order limit is advertised on the answers to POST /orders. */
export interface RateLimitFieldSettings {
  /** The policy's name in `RateLimit-Policy` and `RateLimit`. */
  policyName: string;
  /** Also the `x-ratelimit-*` headers of earlier versions. */
  legacyHeaders: boolean;
}

export function rateLimitFieldSettings(env: RateLimitEnv): RateLimitFieldSettings {
  return { policyName: env.RATE_LIMIT_POLICY_NAME, legacyHeaders: env.RATE_LIMIT_LEGACY_HEADERS };
}

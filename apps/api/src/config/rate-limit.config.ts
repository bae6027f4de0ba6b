import { envInt, envUrl } from '@app/config';
import { z } from 'zod';

/** Where the per-customer limit on POST /orders is counted, described for docs/configuration.md. */
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
};

type RateLimitEnv = z.infer<z.ZodObject<typeof rateLimitEnvShape>>;

/** Every key of the limit starts with this: a Redis shared with other apps tells them apart. */
export const RATE_LIMIT_KEY_PREFIX = 'orders:ratelimit:';

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

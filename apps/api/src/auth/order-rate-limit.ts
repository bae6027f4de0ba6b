import type { LoggerService } from '@nestjs/common';
import type { RateLimitStoreSettings } from '../config/rate-limit.config';
import { ProcessRateLimitStore } from './process-rate-limit-store';
import type { RateLimitStoreHealth } from './rate-limit-store-health';
import type { RateLimitStore } from './rate-limit-window';
import { createRateLimitRedisClient, RedisRateLimitStore, whenReady } from './redis-rate-limit-store';

/** How long the start waits for Redis; after that the API starts anyway, without the limit until it connects. */
const REDIS_START_WAIT_MS = 2_000;

/**
 * Opens where the order limit is counted and says so in the log: in Redis (`RATE_LIMIT_REDIS_URL`),
 * shared by every replica, waiting a little for it at start; otherwise in this process.
 */
export async function openOrderRateLimitStore(
  quota: number,
  settings: RateLimitStoreSettings,
  health: RateLimitStoreHealth,
  logger: LoggerService,
): Promise<RateLimitStore> {
  const limit = `POST /orders: at most ${quota} per customer and minute`;
  if (settings.kind === 'process') {
    logger.log(`${limit}, counted in this process (RATE_LIMIT_REDIS_URL unset): each replica allows as many`);
    return new ProcessRateLimitStore();
  }
  const client = createRateLimitRedisClient(settings.url, settings.timeoutMs, health);
  const store = new RedisRateLimitStore(client, settings.keyPrefix, settings.timeoutMs, health);
  if (!(await whenReady(client, REDIS_START_WAIT_MS))) health.notConnectedAtStart();
  logger.log(`${limit}, counted in Redis at ${withoutCredentials(settings.url)}, shared by every replica`);
  return store;
}

function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

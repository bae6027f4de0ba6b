import { getMetricToken, type Counter } from '@app/observability';
import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RateLimitStoreSettings } from '../config/rate-limit.config';
import { ApiError } from '../http/api-error';
import { AUTH_METRICS, ORDER_PLACEMENT_LIMIT } from './auth.metrics';
import { RateLimitStoreHealth } from './rate-limit-store-health';
import { createRateLimitRedisClient, observedRedisStore, whenReady } from './redis-rate-limit-store';
import { RequestAuthenticator } from './request-authenticator';

/** Route config of the rate-limited route (`@RouteConfig(ORDER_PLACEMENT_RATE_LIMIT)`). */
export const ORDER_PLACEMENT_RATE_LIMIT = { rateLimit: {} };

/** How long the start waits for Redis; after that the API starts anyway, without the limit until it connects. */
const REDIS_START_WAIT_MS = 2_000;

/**
 * POST /orders: at most `perMinute` requests per customer and minute, counted in Redis (shared by every
 * replica) or, without RATE_LIMIT_REDIS_URL, in this process. Buckets are keyed by the token's verified
 * `sub` — the token is verified first, so nobody can spend another customer's allowance; requests
 * without a valid token are not counted (the guard refuses them). Over the limit: 429 with Retry-After,
 * in the API's error shape. While Redis fails or is slow, requests are served without the limit (fail
 * open) and counted in `rate_limit_store_errors_total`. Must be registered before the routes (before
 * `app.init()`).
 */
export async function registerOrderRateLimit(
  app: NestFastifyApplication,
  perMinute: number,
  storeSettings: RateLimitStoreSettings,
): Promise<void> {
  const authenticator = app.get(RequestAuthenticator);
  const limited = app.get<Counter<'limit'>>(getMetricToken(AUTH_METRICS.rateLimited));
  const storeErrors = app.get<Counter<'limit'>>(getMetricToken(AUTH_METRICS.rateLimitStoreErrors));
  limited.labels(ORDER_PLACEMENT_LIMIT).inc(0);
  storeErrors.labels(ORDER_PLACEMENT_LIMIT).inc(0);
  const logger = new Logger('OrderRateLimit');
  const limit = `POST /orders: at most ${perMinute} per customer and minute`;
  let store: FastifyRateLimitStoreCtor | undefined;
  if (storeSettings.kind === 'redis') {
    store = await connectRedisStore(app, storeSettings, new RateLimitStoreHealth(storeErrors, logger));
    logger.log(
      `${limit}, counted in Redis at ${withoutCredentials(storeSettings.url)}, shared by every replica`,
    );
  } else {
    logger.log(`${limit}, counted in this process (RATE_LIMIT_REDIS_URL unset): each replica allows as many`);
  }
  await app.register(rateLimit, {
    global: false,
    max: perMinute,
    timeWindow: 60_000,
    ...(store && { store, skipOnError: true }),
    keyGenerator: async (request) => {
      const authentication = await authenticator.authenticate(request);
      return authentication.ok ? `customer:${authentication.principal.subject}` : '';
    },
    allowList: (_request, key) => key === '',
    onExceeded: () => limited.labels(ORDER_PLACEMENT_LIMIT).inc(),
    errorResponseBuilder: (_request, context) =>
      new ApiError(
        429,
        'RATE_LIMITED',
        `At most ${context.max} orders per minute; retry in ${Math.ceil(context.ttl / 1000)} s`,
      ),
  });
}

/** Connects (waiting a little at start), and closes the connection when the app closes. */
async function connectRedisStore(
  app: NestFastifyApplication,
  settings: Extract<RateLimitStoreSettings, { kind: 'redis' }>,
  health: RateLimitStoreHealth,
): Promise<FastifyRateLimitStoreCtor> {
  const client = createRateLimitRedisClient(settings.url, settings.timeoutMs, health);
  // After the HTTP server has drained: no request needs Redis any more.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onClose', async () => {
      await client.quit().catch(() => undefined); // refused at once when disconnected, bounded by the timeout
      client.disconnect(); // and no reconnection after it
    });
  if (!(await whenReady(client, REDIS_START_WAIT_MS))) health.notConnectedAtStart();
  return observedRedisStore(client, settings.keyPrefix, settings.timeoutMs, health);
}

function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

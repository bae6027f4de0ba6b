import rateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getToken } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { ApiError } from '../http/api-error';
import { AUTH_METRICS, ORDER_PLACEMENT_LIMIT } from './auth.metrics';
import { RequestAuthenticator } from './request-authenticator';

/** Route config of the rate-limited route (`@RouteConfig(ORDER_PLACEMENT_RATE_LIMIT)`). */
export const ORDER_PLACEMENT_RATE_LIMIT = { rateLimit: {} };

/**
 * POST /orders: at most `perMinute` requests per customer and minute, counted in this process (each
 * replica counts on its own). Buckets are keyed by the token's verified `sub` — the token is verified
 * first, so nobody can spend another customer's allowance; requests without a valid token are not
 * counted (the guard refuses them). Over the limit: 429 with Retry-After, in the API's error shape.
 * Must be registered before the routes (before `app.init()`).
 */
export async function registerOrderRateLimit(app: NestFastifyApplication, perMinute: number): Promise<void> {
  const authenticator = app.get(RequestAuthenticator);
  const limited = app.get<Counter<'limit'>>(getToken(AUTH_METRICS.rateLimited));
  limited.labels(ORDER_PLACEMENT_LIMIT).inc(0);
  await app.register(rateLimit, {
    global: false,
    max: perMinute,
    timeWindow: 60_000,
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

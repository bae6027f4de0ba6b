import type { Principal } from '@app/auth';
import { InjectMetric, type Counter } from '@app/observability';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ORDER_RATE_LIMIT_WINDOW_SECONDS,
  type RateLimitFieldSettings,
  type RateLimitStoreSettings,
} from '../config/rate-limit.config';
import { ApiError } from '../http/api-error';
import { AUTH_METRICS, ORDER_PLACEMENT_LIMIT } from './auth.metrics';
import { openOrderRateLimitStore } from './order-rate-limit';
import {
  legacyRateLimitHeaders,
  RATE_LIMIT_FIELDS,
  rateLimitField,
  rateLimitPolicyField,
} from './rate-limit-fields';
import { RateLimitStoreHealth } from './rate-limit-store-health';
import { allowanceState, type RateLimitPolicy, type RateLimitStore } from './rate-limit-window';

/** The order limit's settings, as the API's configuration gives them. */
export interface OrderRateLimitConfig {
  /** POST /orders per customer and minute; 0: no limit. */
  orderRateLimitPerMinute: number;
  orderRateLimitStore: RateLimitStoreSettings;
  orderRateLimitFields: RateLimitFieldSettings;
}

const ORDER_RATE_LIMIT_CONFIG = Symbol('ORDER_RATE_LIMIT_CONFIG');

/** The allowance and its settings, for the module that holds the orders controller. */
export function orderPlacementAllowanceProviders(config: OrderRateLimitConfig): Provider[] {
  const { orderRateLimitPerMinute, orderRateLimitStore, orderRateLimitFields } = config;
  return [
    {
      provide: ORDER_RATE_LIMIT_CONFIG,
      useValue: { orderRateLimitPerMinute, orderRateLimitStore, orderRateLimitFields },
    },
    OrderPlacementAllowance,
  ];
}

type BoundCounter = ReturnType<Counter<'limit'>['labels']>;

/**
 * Each customer may place at most ORDER_RATE_LIMIT_PER_MINUTE orders per fixed window of a minute,
 * counted in Redis (shared by every replica) or, without RATE_LIMIT_REDIS_URL, in this process. Only
 * requests that reach order placement spend it: the handler calls `spend` once the token was verified
 * and the body and headers validated, so a refused request (400, 401, 403, 413, 415) spends nothing,
 * and nobody can spend another customer's allowance (keyed by the verified `sub`).
 *
 * Every answer that went through it carries `RateLimit-Policy` and `RateLimit`
 * (draft-ietf-httpapi-ratelimit-headers, RFC 9651 structured fields). Over the limit: 429 RATE_LIMITED
 * with `Retry-After`. While the store fails or is slow, requests are served without the limit (fail
 * open, no `RateLimit` field) and counted in `rate_limit_store_errors_total`.
 */
@Injectable()
export class OrderPlacementAllowance implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('OrderRateLimit');
  private readonly policy: RateLimitPolicy;
  private readonly policyField: string;
  private readonly legacyHeaders: boolean;
  private readonly limited: BoundCounter;
  private readonly health: RateLimitStoreHealth;
  /** Undefined without a limit (a quota of 0), or before the module starts. */
  private store: RateLimitStore | undefined;

  constructor(
    @Inject(ORDER_RATE_LIMIT_CONFIG) private readonly config: OrderRateLimitConfig,
    @InjectMetric(AUTH_METRICS.rateLimited) limited: Counter<'limit'>,
    @InjectMetric(AUTH_METRICS.rateLimitStoreErrors) storeErrors: Counter<'limit'>,
  ) {
    this.policy = {
      name: config.orderRateLimitFields.policyName,
      quota: config.orderRateLimitPerMinute,
      windowSeconds: ORDER_RATE_LIMIT_WINDOW_SECONDS,
    };
    this.policyField = rateLimitPolicyField(this.policy);
    this.legacyHeaders = config.orderRateLimitFields.legacyHeaders;
    this.limited = limited.labels(ORDER_PLACEMENT_LIMIT);
    this.health = new RateLimitStoreHealth(storeErrors, this.logger);
    if (this.policy.quota === 0) return;
    // Series from the start, so rates and alerts see a 0 before the first refusal or failure.
    this.limited.inc(0);
    storeErrors.labels(ORDER_PLACEMENT_LIMIT).inc(0);
  }

  async onModuleInit(): Promise<void> {
    if (this.policy.quota === 0) return;
    this.store = await openOrderRateLimitStore(
      this.policy.quota,
      this.config.orderRateLimitStore,
      this.health,
      this.logger,
    );
  }

  /** After the HTTP server has closed: no request is counted any more. */
  async onApplicationShutdown(): Promise<void> {
    await this.store?.close();
    this.store = undefined;
  }

  /**
   * Spends one order placement of `customer`'s allowance and writes where they stand on `reply`;
   * throws 429 RATE_LIMITED (the headers already set) when the allowance is exhausted.
   */
  async spend(customer: Principal, reply: FastifyReply): Promise<void> {
    const store = this.store;
    if (!store) return;
    void reply.header(RATE_LIMIT_FIELDS.policy, this.policyField);
    const window = await store.spend(
      `${ORDER_PLACEMENT_LIMIT}:customer:${customer.subject}`,
      this.policy.windowSeconds * 1000,
    );
    if (!window) return; // fail open: the store's failure is counted and logged by its health
    const state = allowanceState(this.policy, window);
    void reply.header(RATE_LIMIT_FIELDS.limit, rateLimitField(this.policy, state));
    if (this.legacyHeaders) void reply.headers(legacyRateLimitHeaders(this.policy, state));
    if (state.allowed) return;
    this.limited.inc();
    void reply.header('retry-after', String(state.resetSeconds));
    throw new ApiError(
      429,
      'RATE_LIMITED',
      `At most ${this.policy.quota} orders per minute; retry in ${state.resetSeconds} s`,
    );
  }
}

import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { Redis } from 'ioredis';
import type { RateLimitStoreHealth } from './rate-limit-store-health';

/** How long a (re)connection attempt may take before it is abandoned and retried. */
const CONNECT_TIMEOUT_MS = 2_000;
/** Reconnection delay after the n-th failed attempt: grows to this cap, then stays. */
const MAX_RECONNECT_DELAY_MS = 1_000;

type StoreCallback = Parameters<FastifyRateLimitStore['incr']>[1];
type PluginRedisStore = new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: Redis,
  keyPrefix: string,
) => FastifyRateLimitStore;

// The store @fastify/rate-limit builds from its `redis` option (its Lua script, its keys). Its errors only
// reach the plugin's skipOnError, which serves the request and says nothing: wrapped below to see them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RedisStore = require('@fastify/rate-limit/store/RedisStore') as PluginRedisStore;

/**
 * A client that never makes a request wait for Redis: no queueing while disconnected, no retried
 * commands, `timeoutMs` per command; it reconnects in the background, at least once a second.
 */
export function createRateLimitRedisClient(
  url: string,
  timeoutMs: number,
  health: RateLimitStoreHealth,
): Redis {
  const client = new Redis(url, {
    connectionName: 'orders-api-rate-limit',
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // A command cut off by a lost connection is not sent again: its request was already served.
    autoResendUnfulfilledCommands: false,
    commandTimeout: timeoutMs,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
  });
  // Also needed so that ioredis does not print each failed reconnection itself.
  client.on('error', (error: Error) => health.connectionFailed(error));
  client.on('ready', () => health.connected());
  return client;
}

/** Resolves true once the client is ready, false if it is not within `timeoutMs`. */
export function whenReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const ready = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      client.off('ready', ready);
      resolve(false);
    }, timeoutMs);
    client.once('ready', ready);
  });
}

/**
 * Wraps a store: reports each outcome to `health`, and answers with an error when the store has not
 * answered within `timeoutMs`, so the plugin's skipOnError serves the request without the limit.
 */
class ObservedStore implements FastifyRateLimitStore {
  constructor(
    private readonly inner: FastifyRateLimitStore,
    private readonly timeoutMs: number,
    private readonly health: RateLimitStoreHealth,
  ) {}

  incr(key: string, callback: StoreCallback, timeWindow: number, max: number): void {
    let settled = false;
    const settle: StoreCallback = (error, result) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (error) this.health.failed(error);
      else this.health.succeeded();
      callback(error, result);
    };
    const deadline = setTimeout(
      () => settle(new Error(`no answer within ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    this.inner.incr(key, settle, timeWindow, max);
  }

  child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
    return new ObservedStore(this.inner.child(routeOptions), this.timeoutMs, this.health);
  }
}

/** The plugin's `store` option: its Redis store on `client`, keys under `keyPrefix`, observed and bounded. */
export function observedRedisStore(
  client: Redis,
  keyPrefix: string,
  timeoutMs: number,
  health: RateLimitStoreHealth,
): FastifyRateLimitStoreCtor {
  return class extends ObservedStore {
    constructor(options: { continueExceeding?: boolean; exponentialBackoff?: boolean }) {
      const store = new RedisStore(
        options.continueExceeding ?? false,
        options.exponentialBackoff ?? false,
        client,
        keyPrefix,
      );
      super(store, timeoutMs, health);
    }
  };
}

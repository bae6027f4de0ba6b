import { Redis } from 'ioredis';
import type { RateLimitStoreHealth } from './rate-limit-store-health';
import type { RateLimitStore, WindowCount } from './rate-limit-window';

/** How long a (re)connection attempt may take before it is abandoned and retried. */
const CONNECT_TIMEOUT_MS = 2_000;
/** Reconnection delay after the n-th failed attempt: grows to this cap, then stays. */
const MAX_RECONNECT_DELAY_MS = 1_000;

/**
 * One request counted in its key's fixed window, atomically: the first request of a window creates the
 * key with the window's length as its time to live. Answers the count and the time left, in ms.
 */
const SPEND_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
`;

/** The client with the script as a command (sent as EVALSHA, as EVAL once when Redis lacks it). */
type SpendingClient = Redis & {
  spendRateLimit(key: string, windowMs: number): Promise<[count: number, ttlMs: number]>;
};

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
 * Counts in Redis, shared by every replica: one script run per request, keys under `keyPrefix`. A
 * request waits at most `timeoutMs`; when Redis fails or is slower, the request is not counted (served
 * without the limit) and the failure is reported to `health`.
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly client: SpendingClient;

  constructor(
    client: Redis,
    private readonly keyPrefix: string,
    private readonly timeoutMs: number,
    private readonly health: RateLimitStoreHealth,
  ) {
    client.defineCommand('spendRateLimit', { numberOfKeys: 1, lua: SPEND_SCRIPT });
    this.client = client as SpendingClient;
  }

  spend(key: string, windowMs: number): Promise<WindowCount | undefined> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (result: WindowCount | undefined, error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        if (error) this.health.failed(error);
        else this.health.succeeded();
        resolve(result);
      };
      // The client's command timeout bounds each command; this bounds the script's EVALSHA and EVAL together.
      const deadline = setTimeout(
        () => settle(undefined, new Error(`no answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      this.client.spendRateLimit(`${this.keyPrefix}${key}`, windowMs).then(
        ([count, resetsInMs]) => settle({ count, resetsInMs }),
        (error: Error) => settle(undefined, error),
      );
    });
  }

  /** After the HTTP server has drained: no request needs Redis any more. */
  async close(): Promise<void> {
    await this.client.quit().catch(() => undefined); // refused at once when disconnected, bounded by the timeout
    this.client.disconnect(); // and no reconnection after it
  }
}

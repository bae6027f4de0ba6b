import { Redis } from 'ioredis';
import { parseList, type Item } from 'structured-headers';
import { freePort, isListening } from '../../../tooling/free-port';
import { orderBody } from '../../../tooling/order-requests';
import { parseExposition } from '../../../tooling/prometheus-text';
import { describeWithServers } from '../../../test/support/real-servers';
import { requireServer } from '../../../tooling/real-servers';
import { startServerProcess, type ServerProcess } from '../../../tooling/processes';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { waitFor } from '../../../tooling/wait-for';
import { startApiProcess, type ApiProcess } from '../../../tooling/app-processes';

const LIMIT = 5;
/** No request may take longer than this while Redis is down or hung (the API waits at most 200 ms). */
const MAX_REQUEST_MS = 1_000;
const STORE_FAILING = 'Rate limit store (Redis) failing';
const STORE_BACK = 'Rate limit store (Redis) answers again';
const POLICY = `"orders";q=${LIMIT};w=60`;

/** `r` of the `RateLimit` field (an RFC 9651 List of one policy); undefined when the field is absent. */
function remainingIn(headers: Headers): unknown {
  const field = headers.get('ratelimit');
  if (field === null) return undefined;
  const [[policy, parameters]] = parseList(field) as Item[];
  expect(policy).toBe('orders');
  return parameters.get('r');
}

interface Replica {
  process: ApiProcess;
  metricsPort: number;
}

/**
 * Two API processes on one database and one Redis of the test's own: the per-customer limit on POST
 * /orders is one count for both, spent only by requests that reach order placement, and when Redis dies
 * or hangs the API serves orders without it, promptly, counting each in rate_limit_store_errors_total,
 * until Redis is back.
 */
describeWithServers(
  ['redis-server'],
  'order rate limit shared by API replicas through Redis (real processes)',
  () => {
    let redisPort: number;
    let redis: ServerProcess | undefined;
    let db: TestDatabase;
    const replicas: Replica[] = [];

    const startRedis = async () => {
      redis = await startServerProcess(requireServer('redis-server'), [
        ...['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ]);
      await waitFor(() => isListening(redisPort), Boolean, 10_000);
    };
    /** A short-lived connection of the test's own. */
    const withRedis = async <T>(use: (client: Redis) => Promise<T>): Promise<T> => {
      const client = new Redis(redisPort, '127.0.0.1', {
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      try {
        return await use(client);
      } finally {
        client.disconnect();
      }
    };
    const rateLimitConnections = () =>
      withRedis(async (client) => {
        const clients = (await client.call('CLIENT', 'LIST')) as string;
        return clients.split('\n').filter((line) => line.includes('name=orders-api-rate-limit')).length;
      }).catch(() => 0);

    const place = async (
      replica: Replica,
      customer: string,
      payload = JSON.stringify(orderBody({ items: [{ sku: 'SKU-001', quantity: 1 }] })),
      contentType = 'application/json',
    ) => {
      const started = performance.now();
      const response = await fetch(`${replica.process.baseUrl}/orders`, {
        method: 'POST',
        headers: { 'content-type': contentType, ...(await replica.process.tokens.headers(customer)) },
        body: payload,
      });
      const body = (await response.json()) as Record<string, unknown>;
      return { status: response.status, headers: response.headers, body, ms: performance.now() - started };
    };
    /** `count` orders from `customer`, one after the other, alternating between the replicas. */
    const placeAlternating = async (customer: string, count: number, first = 0) => {
      const results = [];
      for (let i = 0; i < count; i++) results.push(await place(replicas[(first + i) % 2], customer));
      return results;
    };
    /** The series `name{limit="order_placement"}` of each replica (undefined where it is not exposed). */
    const series = (name: string) =>
      Promise.all(
        replicas.map(async ({ metricsPort }) => {
          const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
          return parseExposition(text).samples.find(
            (s) => s.name === name && s.labels.limit === 'order_placement',
          )?.value;
        }),
      );
    /** Summed over the replicas. */
    const metric = async (name: string) => (await series(name)).reduce((sum: number, v) => sum + (v ?? 0), 0);
    const counted = (customer: string) =>
      withRedis((client) => client.get(`orders:ratelimit:order_placement:customer:${customer}`));
    const storeErrors = () => metric('rate_limit_store_errors_total');
    /** Each replica logged `text` exactly once (stdout is written asynchronously: waits for the first). */
    const loggedOnce = async (text: string) => {
      for (const replica of replicas) {
        const count = () => Promise.resolve(replica.process.output().split(text).length - 1);
        expect(await waitFor(count, (n) => n >= 1, 5_000)).toBe(1);
      }
    };

    beforeAll(async () => {
      redisPort = await freePort();
      await startRedis();
      db = await createTestDatabase();
      // One after the other: the first applies the migrations; the second signs with the same key.
      for (let i = 0; i < 2; i++) {
        const metricsPort = await freePort();
        const api = await startApiProcess({
          DATABASE_URL: db.url,
          ORDER_RATE_LIMIT_PER_MINUTE: String(LIMIT),
          RATE_LIMIT_REDIS_URL: `redis://127.0.0.1:${redisPort}/0`,
          METRICS_PORT: String(metricsPort),
          // Two inline engines on one database, on purpose: the orders' sagas are not what is tested here.
          INLINE_ENGINE_EXCLUSIVE: 'false',
          ...(replicas[0] && { AUTH_LOCAL_KEY_FILE: replicas[0].process.keyFile }),
        });
        replicas.push({ process: api, metricsPort });
      }
    }, 120_000);
    afterAll(async () => {
      // The second replica first: the first owns the key file.
      for (const replica of [...replicas].reverse()) await replica.process.stop();
      await redis?.stop();
      await db?.drop();
    });

    it('says at start where the limit is counted, and exposes the store error counter at 0', async () => {
      for (const replica of replicas) {
        expect(replica.process.output()).toContain(
          `POST /orders: at most ${LIMIT} per customer and minute, counted in Redis at redis://127.0.0.1:${redisPort}/0`,
        );
      }
      expect(await series('rate_limit_store_errors_total')).toEqual([0, 0]);
    });

    it('gives a customer alternating between replicas the limit in total, then 429 from either', async () => {
      const before = await metric('rate_limited_requests_total');
      const accepted = await placeAlternating('c-roaming', LIMIT);
      expect(accepted.map((r) => r.status)).toEqual(Array(LIMIT).fill(202));
      expect(accepted.map((r) => remainingIn(r.headers))).toEqual([4, 3, 2, 1, 0]);
      for (const response of accepted) {
        expect(response.headers.get('ratelimit-policy')).toBe(POLICY);
        expect(response.headers.has('x-ratelimit-remaining')).toBe(false);
      }
      const refused = await placeAlternating('c-roaming', 2, LIMIT);
      expect(refused.map((r) => r.status)).toEqual([429, 429]);
      for (const response of refused) {
        const retryAfter = Number(response.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
        expect(remainingIn(response.headers)).toBe(0);
        expect(response.body).toMatchObject({
          status: 429,
          code: 'RATE_LIMITED',
          detail: `At most ${LIMIT} orders per minute; retry in ${retryAfter} s`,
        });
      }
      expect((await place(replicas[1], 'c-bystander')).status).toBe(202);
      expect((await metric('rate_limited_requests_total')) - before).toBe(2);
      // One count in Redis, under the app's prefix, that ends with its minute.
      expect(await counted('c-roaming')).toBe('7');
      const ttl = await withRedis((client) =>
        client.pttl('orders:ratelimit:order_placement:customer:c-roaming'),
      );
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      const orders = await db.query<{ n: string }>(
        'SELECT count(*) AS n FROM orders WHERE customer_id = $1',
        ['c-roaming'],
      );
      expect(Number(orders[0].n)).toBe(LIMIT);
    });

    it('accepts exactly the limit of a concurrent burst spread over both replicas', async () => {
      const burst = await Promise.all(
        Array.from({ length: 12 }, (_, i) => place(replicas[i % 2], 'c-burst')),
      );
      const statuses = burst.map((r) => r.status).sort();
      expect(statuses).toEqual([...Array(LIMIT).fill(202), ...Array(12 - LIMIT).fill(429)]);
    });

    it('counts nothing in Redis for requests refused before order placement', async () => {
      const invalid = JSON.stringify(orderBody({ items: [{ sku: 'SKU-001', quantity: 0 }] }));
      const refused = [
        await place(replicas[0], 'c-careful', invalid),
        await place(replicas[1], 'c-careful', 'items=SKU-001', 'text/plain'),
        await place(replicas[0], 'c-careful', '{"items": ['),
      ];
      expect(refused.map((r) => r.status)).toEqual([400, 415, 400]);
      expect(await counted('c-careful')).toBeNull();
      const accepted = await place(replicas[1], 'c-careful');
      expect(remainingIn(accepted.headers)).toBe(LIMIT - 1);
      expect(await counted('c-careful')).toBe('1');
    });

    it('serves orders promptly while Redis is hung, counting each as a store error', async () => {
      const before = await storeErrors();
      redis!.child.kill('SIGSTOP');
      try {
        const served = await placeAlternating('c-hung', LIMIT + 3);
        expect(served.map((r) => r.status)).toEqual(Array(LIMIT + 3).fill(202));
        expect(Math.max(...served.map((r) => r.ms))).toBeLessThan(MAX_REQUEST_MS);
        // The policy holds, but where the customer stands is not known: no RateLimit field.
        for (const response of served) {
          expect(response.headers.get('ratelimit-policy')).toBe(POLICY);
          expect(response.headers.has('ratelimit')).toBe(false);
        }
        expect((await storeErrors()) - before).toBe(LIMIT + 3);
      } finally {
        redis!.child.kill('SIGCONT');
      }
      // Announced once per replica, not once per request; and its end too, at the next answer.
      await loggedOnce(STORE_FAILING);
      const fresh = await placeAlternating('c-after-hang', 2);
      expect(fresh.map((r) => r.status)).toEqual([202, 202]);
      expect(fresh.map((r) => remainingIn(r.headers))).toEqual([4, 3]);
      await loggedOnce(STORE_BACK);
    });

    it('fails open while Redis is down, and limits again once it is back on the same port', async () => {
      const before = await storeErrors();
      redis!.child.kill('SIGKILL');
      await redis!.stop();
      const served = await placeAlternating('c-outage', LIMIT + 3);
      expect(served.map((r) => r.status)).toEqual(Array(LIMIT + 3).fill(202));
      expect(Math.max(...served.map((r) => r.ms))).toBeLessThan(MAX_REQUEST_MS);
      expect((await storeErrors()) - before).toBe(LIMIT + 3);
      // Warned at most once a minute: this outage follows the last warning by seconds.
      await loggedOnce(STORE_FAILING);

      await startRedis();
      // Counted again on both replicas (a request served without the limit has no RateLimit field).
      let probes = 0;
      for (const replica of replicas)
        await waitFor(
          async () => remainingIn((await place(replica, `c-probe-${probes++}`)).headers),
          (remaining) => remaining === LIMIT - 1,
          15_000,
          100,
        );
      const afterErrors = await storeErrors();
      const accepted = await placeAlternating('c-outage', LIMIT);
      expect(accepted.map((r) => r.status)).toEqual(Array(LIMIT).fill(202));
      const refused = await placeAlternating('c-outage', 2, LIMIT);
      expect(refused.map((r) => r.status)).toEqual([429, 429]);
      expect(await storeErrors()).toBe(afterErrors);
    });

    it('closes its Redis connection when it shuts down, and exits promptly', async () => {
      const replica = replicas.pop()!;
      const started = performance.now();
      expect(await replica.process.stop()).toBe(0);
      expect(performance.now() - started).toBeLessThan(10_000);
      await waitFor(rateLimitConnections, (connections) => connections === 1, 5_000, 100);
    });
  },
);

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadOrCreateLocalSigningKey, signAccessToken } from '@app/auth';
import { MetricsServer } from '@app/observability';
import { Logger } from '@nestjs/common';
import { parseExposition, valueOf } from '../../../tooling/prometheus-text';
import { orderBody, startApi, type RunningApi } from './support/api-harness';

const LIMIT = 5;

/** POST /orders per customer and minute (@fastify/rate-limit keyed by the verified `sub`), real API. */
describe('order rate limit per customer (ORDER_RATE_LIMIT_PER_MINUTE, real API and PostgreSQL)', () => {
  let api: RunningApi;
  let metricsUrl: string;
  const rateLimited = async () =>
    valueOf(parseExposition(await (await fetch(metricsUrl)).text()), 'rate_limited_requests_total', {
      limit: 'order_placement',
    });
  const ordersOf = async (customer: string) =>
    Number(
      (
        await api.db.query<{ n: string }>('SELECT count(*) AS n FROM orders WHERE customer_id = $1', [
          customer,
        ])
      )[0].n,
    );
  const placeConcurrently = (customer: string, count: number) =>
    Promise.all(
      Array.from({ length: count }, () =>
        api.request('POST', '/orders', { body: orderBody(), as: customer }),
      ),
    );

  const logged = jest.spyOn(Logger.prototype, 'log');

  beforeAll(async () => {
    api = await startApi({ ORDER_RATE_LIMIT_PER_MINUTE: String(LIMIT) });
    metricsUrl = `http://127.0.0.1:${api.app.get(MetricsServer).port()}/metrics`;
  });
  afterAll(async () => {
    logged.mockRestore();
    await api?.close();
  });

  it('says at start that, without RATE_LIMIT_REDIS_URL, each process counts on its own', async () => {
    expect(logged).toHaveBeenCalledWith(
      'POST /orders: at most 5 per customer and minute, counted in this process (RATE_LIMIT_REDIS_URL unset): ' +
        'each replica allows as many',
    );
    const { samples } = parseExposition(await (await fetch(metricsUrl)).text());
    expect(samples.filter((s) => s.name === 'rate_limit_store_errors_total')).toEqual([
      { name: 'rate_limit_store_errors_total', labels: { limit: 'order_placement' }, value: 0 },
    ]);
  });

  it('accepts exactly the limit of 12 concurrent orders and answers the rest 429 with Retry-After', async () => {
    const before = await rateLimited();
    const responses = await placeConcurrently('c-burst', 12);
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(LIMIT).fill(202), ...Array(12 - LIMIT).fill(429)]);
    for (const refused of responses.filter((r) => r.status === 429)) {
      expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
      expect(refused.body).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        code: 'RATE_LIMITED',
        message: expect.stringMatching(/^At most 5 orders per minute; retry in \d+ s$/),
      });
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(refused.body.message).toContain(`retry in ${retryAfter} s`);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    expect(await ordersOf('c-burst')).toBe(LIMIT);
    expect((await rateLimited()) - before).toBe(12 - LIMIT);
  });

  it('keeps a bucket per customer: another customer still orders, reads are not limited', async () => {
    expect((await api.request('POST', '/orders', { body: orderBody(), as: 'c-calm' })).status).toBe(202);
    const reads = await Promise.all(
      Array.from({ length: 10 }, () => api.request('GET', '/orders', { as: 'c-burst' })),
    );
    expect(reads.map((r) => r.status)).toEqual(Array(10).fill(200));
  });

  it('cannot be spent by someone else: forged tokens naming a customer neither count nor pass', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rate-limit-'));
    try {
      const attackerKey = await loadOrCreateLocalSigningKey(path.join(dir, 'key.json'));
      const forged = await signAccessToken(attackerKey, { subject: 'c-victim' });
      const attacks = await Promise.all(
        Array.from({ length: 10 }, () =>
          api.request('POST', '/orders', {
            body: orderBody(),
            headers: { authorization: `Bearer ${forged}` },
          }),
        ),
      );
      expect(attacks.map((r) => r.status)).toEqual(Array(10).fill(401));
      const victim = await placeConcurrently('c-victim', LIMIT);
      expect(victim.map((r) => r.status)).toEqual(Array(LIMIT).fill(202));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

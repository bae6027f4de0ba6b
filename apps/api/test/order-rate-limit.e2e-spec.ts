import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadOrCreateLocalSigningKey, signAccessToken } from '@app/auth';
import { MetricsServer } from '@app/observability';
import { Logger } from '@nestjs/common';
import { parseList, type Item } from 'structured-headers';
import { parseExposition, valueOf } from '../../../tooling/prometheus-text';
import { orderBody, startApi, type Caller, type HttpResult, type RunningApi } from './support/api-harness';

const LIMIT = 5;
const BODY_LIMIT_BYTES = 8192;
const LEGACY_HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];

/** `RateLimit` parsed as the RFC 9651 List it is, checked to hold one policy; undefined when absent. */
function rateLimitOf(response: HttpResult): { policy: unknown; r: unknown; t: unknown } | undefined {
  const field = response.headers.get('ratelimit');
  if (field === null) return undefined;
  const list = parseList(field);
  expect(list).toHaveLength(1);
  const [policy, parameters] = list[0] as Item;
  expect([...parameters.keys()]).toEqual(['r', 't']);
  return { policy, r: parameters.get('r'), t: parameters.get('t') };
}

/** Requests left to `response`'s customer, read from its `RateLimit` field. */
const remaining = (response: HttpResult) => rateLimitOf(response)?.r;

/**
 * The per-customer limit on POST /orders (ORDER_RATE_LIMIT_PER_MINUTE), counted in this process, with
 * the real API and PostgreSQL: spent only by requests that reach order placement, advertised in the
 * RateLimit-Policy and RateLimit structured fields.
 */
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
  const place = (customer: Caller | null, body: unknown = orderBody()) =>
    api.request('POST', '/orders', { body, as: customer });
  const placeInTurn = async (customer: string, count: number) => {
    const responses = [];
    for (let i = 0; i < count; i++) responses.push(await place(customer));
    return responses;
  };
  const placeConcurrently = (customer: string, count: number) =>
    Promise.all(Array.from({ length: count }, () => place(customer)));

  const logged = jest.spyOn(Logger.prototype, 'log');

  beforeAll(async () => {
    api = await startApi({
      ORDER_RATE_LIMIT_PER_MINUTE: String(LIMIT),
      BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
    });
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

  it('advertises the policy and the caller’s allowance as structured fields, without the legacy headers', async () => {
    const response = await place('c-fields');
    expect(response.status).toBe(202);
    const policy = response.headers.get('ratelimit-policy')!;
    expect(policy).toBe('"orders";q=5;w=60');
    expect(parseList(policy)).toEqual([
      [
        'orders',
        new Map([
          ['q', LIMIT],
          ['w', 60],
        ]),
      ],
    ]);
    expect(response.headers.get('ratelimit')).toMatch(/^"orders";r=4;t=\d+$/);
    const { policy: name, r, t } = rateLimitOf(response)!;
    expect(name).toBe('orders');
    expect(r).toBe(LIMIT - 1);
    expect(Number.isInteger(t)).toBe(true);
    expect(t).toBeGreaterThanOrEqual(59);
    expect(t).toBeLessThanOrEqual(60);
    expect(response.headers.has('retry-after')).toBe(false);
    for (const legacy of LEGACY_HEADERS) expect(response.headers.has(legacy)).toBe(false);
  });

  it('counts down on every answer of order placement, 422 included, then refuses with 429, Retry-After and a problem', async () => {
    const before = await rateLimited();
    const accepted = await placeInTurn('c-countdown', 2);
    const unknownSku = await place('c-countdown', orderBody({ items: [{ sku: 'SKU-NOPE', quantity: 1 }] }));
    expect(unknownSku.status).toBe(422);
    const last = await placeInTurn('c-countdown', 2);
    const answers = [...accepted, unknownSku, ...last];
    expect(answers.map(remaining)).toEqual([4, 3, 2, 1, 0]);
    // One fixed window: the time to its end never grows.
    const resets = answers.map((r) => rateLimitOf(r)!.t as number);
    expect(resets).toEqual([...resets].sort((a, b) => b - a));

    const refused = await place('c-countdown');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit-policy')).toBe('"orders";q=5;w=60');
    const { r, t } = rateLimitOf(refused)!;
    expect(r).toBe(0);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBe(t);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      type: expect.stringMatching(/rate-limited$/),
      status: 429,
      code: 'RATE_LIMITED',
      detail: `At most 5 orders per minute; retry in ${retryAfter} s`,
      instance: '/orders',
    });
    expect(await ordersOf('c-countdown')).toBe(4);
    expect((await rateLimited()) - before).toBe(1);
  });

  it('accepts exactly the limit of 12 concurrent orders and answers the rest 429', async () => {
    const before = await rateLimited();
    const responses = await placeConcurrently('c-burst', 12);
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(LIMIT).fill(202), ...Array(12 - LIMIT).fill(429)]);
    const accepted = responses.filter((r) => r.status === 202);
    expect(accepted.map(remaining).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const refused of responses.filter((r) => r.status === 429)) {
      expect(remaining(refused)).toBe(0);
      expect(refused.body.detail).toContain(`retry in ${refused.headers.get('retry-after')} s`);
    }
    expect(await ordersOf('c-burst')).toBe(LIMIT);
    expect((await rateLimited()) - before).toBe(12 - LIMIT);
  });

  it('is spent only by requests that reach order placement: 400, 413 and 415 spend nothing', async () => {
    const first = await place('c-careful');
    expect(remaining(first)).toBe(LIMIT - 1);
    const headers = await api.tokens.headers('c-careful');
    const invalid = await place('c-careful', orderBody({ items: [{ sku: 'SKU-001', quantity: 0 }] }));
    const tooLarge = await api.request('POST', '/orders', {
      raw: JSON.stringify({ ...orderBody(), padding: 'x'.repeat(BODY_LIMIT_BYTES) }),
      headers: { ...headers, 'content-type': 'application/json' },
    });
    const notJson = await api.request('POST', '/orders', {
      raw: 'items=SKU-001',
      headers: { ...headers, 'content-type': 'text/plain' },
    });
    const malformed = await api.request('POST', '/orders', {
      raw: '{"items": [',
      headers: { ...headers, 'content-type': 'application/json' },
    });
    const badKey = await api.request('POST', '/orders', {
      body: orderBody(),
      headers: { ...headers, 'idempotency-key': 'ä' },
    });
    const refused = [invalid, tooLarge, notJson, malformed, badKey];
    expect(refused.map((r) => r.status)).toEqual([400, 413, 415, 400, 400]);
    for (const response of refused) {
      expect(response.headers.has('ratelimit')).toBe(false);
      expect(response.headers.has('ratelimit-policy')).toBe(false);
    }
    const good = await place('c-careful');
    expect(good.status).toBe(202);
    expect(remaining(good)).toBe(LIMIT - 2);
  });

  it('cannot be spent without a valid token: none, or forged ones naming the customer, spend nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rate-limit-'));
    try {
      const attackerKey = await loadOrCreateLocalSigningKey(path.join(dir, 'key.json'));
      const forged = await signAccessToken(attackerKey, { subject: 'c-victim' });
      const attacks = await Promise.all([
        ...Array.from({ length: 5 }, () =>
          api.request('POST', '/orders', {
            body: orderBody(),
            headers: { authorization: `Bearer ${forged}` },
          }),
        ),
        ...Array.from({ length: 5 }, () => place(null)),
      ]);
      expect(attacks.map((r) => r.status)).toEqual(Array(10).fill(401));
      for (const attack of attacks) expect(attack.headers.has('ratelimit')).toBe(false);
      const victim = await placeInTurn('c-victim', LIMIT);
      expect(victim.map((r) => r.status)).toEqual(Array(LIMIT).fill(202));
      expect(victim.map(remaining)).toEqual([4, 3, 2, 1, 0]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps a bucket per customer: another customer still orders; reads are neither limited nor advertised', async () => {
    const calm = await place('c-calm');
    expect(calm.status).toBe(202);
    expect(remaining(calm)).toBe(LIMIT - 1);
    const reads = await Promise.all(
      Array.from({ length: 10 }, () => api.request('GET', '/orders', { as: 'c-burst' })),
    );
    expect(reads.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(reads.some((r) => r.headers.has('ratelimit') || r.headers.has('ratelimit-policy'))).toBe(false);
  });
});

describe('order rate limit with its settings (RATE_LIMIT_POLICY_NAME, RATE_LIMIT_LEGACY_HEADERS)', () => {
  let api: RunningApi;

  beforeAll(async () => {
    api = await startApi({
      ORDER_RATE_LIMIT_PER_MINUTE: '2',
      RATE_LIMIT_POLICY_NAME: 'checkout',
      RATE_LIMIT_LEGACY_HEADERS: 'true',
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('names the policy as configured and adds the x-ratelimit headers, which agree with RateLimit', async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await api.request('POST', '/orders', { body: orderBody() }));
    expect(answers.map((r) => r.status)).toEqual([202, 202, 429]);
    for (const response of answers) {
      expect(response.headers.get('ratelimit-policy')).toBe('"checkout";q=2;w=60');
      const { policy, r, t } = rateLimitOf(response)!;
      expect(policy).toBe('checkout');
      expect(response.headers.get('x-ratelimit-limit')).toBe('2');
      expect(response.headers.get('x-ratelimit-remaining')).toBe(String(r));
      expect(response.headers.get('x-ratelimit-reset')).toBe(String(t));
    }
    expect(answers.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['1', '0', '0']);
  });
});

describe('order placement without a limit (ORDER_RATE_LIMIT_PER_MINUTE=0)', () => {
  let api: RunningApi;

  beforeAll(async () => {
    api = await startApi({ ORDER_RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_LEGACY_HEADERS: 'true' });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('accepts every order and advertises no limit', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => api.request('POST', '/orders', { body: orderBody() })),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(202));
    for (const response of answers)
      for (const name of ['ratelimit', 'ratelimit-policy', 'retry-after', ...LEGACY_HEADERS])
        expect(response.headers.has(name)).toBe(false);
  });
});

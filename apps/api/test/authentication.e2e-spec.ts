import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  loadOrCreateLocalSigningKey,
  signAccessToken,
  type LocalSigningKey,
} from '@app/auth';
import { MetricsServer } from '@app/observability';
import { base64url, exportSPKI, SignJWT } from 'jose';
import { parseExposition, valueOf } from '../../../tooling/prometheus-text';
import { isTerminalStatus, OPERATOR, orderBody, startApi, type RunningApi } from './support/api-harness';

/** Words that would tell a client why its token failed: only `auth_failures_total{reason}` may know. */
const DETAIL = /expire|issuer|audience|signature|algorithm|\balg\b|not.?before|nbf|kid|jwks|claim/i;
const UNKNOWN_ORDER = '00000000-0000-4000-8000-000000000000';

/**
 * Bearer authentication and object-level authorization against the real API (Fastify, guards, PostgreSQL):
 * every token edge case is a 401 in the API's error shape with an RFC 6750 challenge and no detail, each
 * counted by reason; customers see and cancel only their own orders; operator routes need the scope.
 */
describe('authentication and authorization (real API, local signing key, real PostgreSQL)', () => {
  let api: RunningApi;
  let metricsUrl: string;
  let dir: string;
  let otherKey: LocalSigningKey;
  const failures = async (reason: string) =>
    valueOf(parseExposition(await (await fetch(metricsUrl)).text()), 'auth_failures_total', { reason });
  const now = () => Math.floor(Date.now() / 1000);
  const claims = () => ({
    sub: 'c-42',
    iss: LOCAL_ISSUER,
    aud: LOCAL_AUDIENCE,
    iat: now(),
    exp: now() + 3600,
  });
  const unsigned = (header: object, payload: object) =>
    `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.`;

  beforeAll(async () => {
    api = await startApi();
    metricsUrl = `http://127.0.0.1:${api.app.get(MetricsServer).port()}/metrics`;
    dir = await mkdtemp(path.join(tmpdir(), 'auth-e2e-'));
    otherKey = await loadOrCreateLocalSigningKey(path.join(dir, 'attacker-key.json'));
  });
  afterAll(async () => {
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('token edge cases: 401 with a challenge, the error shape and no detail; never a 5xx', () => {
    const key = () => api.tokens.key;
    const CASES: Array<{
      name: string;
      reason: string;
      header?: () => Promise<string | undefined>;
      path?: () => Promise<string>;
      code: string;
      challenge: RegExp;
    }> = [
      {
        name: 'no Authorization header',
        reason: 'missing',
        header: async () => undefined,
        code: 'AUTHENTICATION_REQUIRED',
        challenge: /^Bearer realm="orders-api"$/,
      },
      {
        name: 'another scheme (Basic)',
        reason: 'missing',
        header: async () => 'Basic YzQyOnNlY3JldA==',
        code: 'AUTHENTICATION_REQUIRED',
        challenge: /^Bearer realm="orders-api"$/,
      },
      {
        name: 'a malformed bearer header',
        reason: 'malformed',
        header: async () => 'Bearer two tokens',
        code: 'INVALID_TOKEN',
        challenge: /error="invalid_token"/,
      },
      {
        name: 'a token that is not a JWT',
        reason: 'malformed',
        header: async () => 'Bearer not-a-jwt',
        code: 'INVALID_TOKEN',
        challenge: /error="invalid_token"/,
      },
      {
        name: 'an expired token',
        reason: 'expired',
        header: async () =>
          `Bearer ${await signAccessToken(key(), { subject: 'c-42', expiresInSeconds: -120 })}`,
        code: 'INVALID_TOKEN',
        challenge: /error="invalid_token"/,
      },
      {
        name: 'a token not valid yet',
        reason: 'not_yet_valid',
        header: async () =>
          `Bearer ${await signAccessToken(key(), { subject: 'c-42', notBeforeSeconds: 600 })}`,
        code: 'INVALID_TOKEN',
        challenge: /error="invalid_token"/,
      },
      {
        name: 'a token from another issuer',
        reason: 'wrong_issuer',
        header: async () =>
          `Bearer ${await signAccessToken(key(), { subject: 'c-42', issuer: 'https://login.example.com/' })}`,
        code: 'INVALID_TOKEN',
        challenge: /error="invalid_token"/,
      },
      {
        name: 'a token for another audience',
        reason: 'wrong_audience',
        header: async () =>
          `Bearer ${await signAccessToken(key(), { subject: 'c-42', audience: 'billing-api' })}`,
        code: 'INVALID_TOKEN',
        challenge: /error="invalid_token"/,
      },
      {
        name: 'alg none (no signature)',
        reason: 'algorithm_not_allowed',
        header: async () => `Bearer ${unsigned({ alg: 'none', typ: 'JWT' }, claims())}`,
        code: 'INVALID_TOKEN',
        challenge: /error="invalid_token"/,
      },
      {
        name: 'a signature from another key (same kid, issuer and audience)',
        reason: 'bad_signature',
        header: async () => {
          const forged = await new SignJWT(claims())
            .setProtectedHeader({ alg: 'ES256', kid: key().kid })
            .sign(otherKey.privateKey);
          return `Bearer ${forged}`;
        },
        code: 'INVALID_TOKEN',
        challenge: /error="invalid_token"/,
      },
      {
        name: 'HS256 keyed with the public key (algorithm confusion)',
        reason: 'algorithm_not_allowed',
        header: async () => {
          const pem = await exportSPKI(key().publicKey);
          const forged = await new SignJWT(claims())
            .setProtectedHeader({ alg: 'HS256', kid: key().kid })
            .sign(new TextEncoder().encode(pem));
          return `Bearer ${forged}`;
        },
        code: 'INVALID_TOKEN',
        challenge: /error="invalid_token"/,
      },
      {
        name: 'a valid token in the query string instead of the header',
        reason: 'token_in_query',
        header: async () => undefined,
        path: async () => `/orders?access_token=${await api.tokens.token()}`,
        code: 'INVALID_REQUEST',
        challenge: /error="invalid_request"/,
      },
      {
        name: 'a valid token in the header and another in the query string',
        reason: 'token_in_query',
        header: async () => `Bearer ${await api.tokens.token()}`,
        path: async () => `/orders?access_token=${await api.tokens.token('c-other')}`,
        code: 'INVALID_REQUEST',
        challenge: /error="invalid_request"/,
      },
    ];

    it.each(CASES)('$name → 401 $code, counted as $reason', async (c) => {
      const before = await failures(c.reason);
      const header = await c.header?.();
      for (const [method, route] of [
        ['GET', (await c.path?.()) ?? '/orders'],
        ['POST', (await c.path?.()) ?? '/orders'],
      ]) {
        const response = await api.request(method, route, {
          body: method === 'POST' ? orderBody() : undefined,
          headers: header ? { authorization: header } : {},
          as: null,
        });
        expect({ method, status: response.status, code: response.body?.code }).toEqual({
          method,
          status: 401,
          code: c.code,
        });
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        expect(response.body).toEqual({
          type: `https://orders.example/errors/${c.code.toLowerCase().replaceAll('_', '-')}`,
          title: expect.any(String),
          status: 401,
          detail: expect.any(String),
          instance: '/orders',
          code: c.code,
        });
        expect(response.headers.get('www-authenticate')).toMatch(c.challenge);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="orders-api"/);
        expect(response.text).not.toMatch(DETAIL);
        expect(response.headers.get('www-authenticate')).not.toMatch(DETAIL);
      }
      expect((await failures(c.reason)) - before).toBe(2);
    });

    it('accepted none of them: no order was stored', async () => {
      const [{ n }] = await api.db.query<{ n: string }>('SELECT count(*) AS n FROM orders');
      expect(n).toBe('0');
    });

    it('answers a 4xx, never a 5xx, to a stream of mangled tokens', async () => {
      const valid = await api.tokens.token();
      const [header, payload, signature] = valid.split('.');
      const mangled = [
        `${header}.${payload}`,
        `${header}.${payload}.${signature}.${signature}`,
        `${header}.${payload}.${signature.slice(0, -4)}AAAA`,
        `${base64url.encode('{"alg":"ES256","crit":["exp"]}')}.${payload}.${signature}`,
        `${base64url.encode('{"alg":"RS256"}')}.${payload}.${signature}`,
        `${base64url.encode('{"alg":"ES256","jku":"http://127.0.0.1:9/jwks"}')}.${payload}.${signature}`,
        `${base64url.encode('[]')}.${payload}.${signature}`,
        `${header}.${base64url.encode('{"sub":{"$ne":null}}')}.${signature}`,
        `${header}.${'A'.repeat(6000)}.${signature}`,
        'a.b.c',
        '...',
      ];
      for (const token of mangled) {
        const response = await api.request('GET', '/orders', {
          headers: { authorization: `Bearer ${token}` },
        });
        expect({ token: token.slice(0, 60), status: response.status }).toEqual({
          token: token.slice(0, 60),
          status: 401,
        });
      }
    });
  });

  describe('object-level authorization: a customer sees and cancels only their own orders', () => {
    let mine: string;
    let theirs: string;

    beforeAll(async () => {
      mine = (await api.request('POST', '/orders', { body: orderBody(), as: 'c-alice' })).body.id;
      theirs = (await api.request('POST', '/orders', { body: orderBody(), as: 'c-bob' })).body.id;
      await api.waitForOrder(mine, isTerminalStatus, undefined, 'c-alice');
    });

    it('answers another customer’s order exactly like a missing one (404, same body)', async () => {
      const foreign = await api.request('GET', `/orders/${theirs}`, { as: 'c-alice' });
      const missing = await api.request('GET', `/orders/${UNKNOWN_ORDER}`, { as: 'c-alice' });
      expect(foreign.status).toBe(404);
      expect(foreign.body).toEqual({
        ...missing.body,
        detail: missing.body.detail.replace(UNKNOWN_ORDER, theirs),
        instance: `/orders/${theirs}`,
      });
      expect(foreign.text).not.toMatch(/c-bob|forbidden|another customer/i);
      expect((await api.request('GET', `/orders/${theirs}`, { as: 'c-bob' })).status).toBe(200);
      expect((await api.request('GET', `/orders/${mine}`, { as: 'c-alice' })).body.customerId).toBe(
        'c-alice',
      );
    });

    it('lists only the caller’s orders, and refuses a customerId filter', async () => {
      const alice = await api.request('GET', '/orders?limit=100', { as: 'c-alice' });
      expect(alice.body.items.map((o: { id: string }) => o.id)).toEqual([mine]);
      const bob = await api.request('GET', '/orders?limit=100', { as: 'c-bob' });
      expect(bob.body.items.map((o: { id: string }) => o.id)).toEqual([theirs]);
      const filtered = await api.request('GET', '/orders?customerId=c-bob', { as: 'c-alice' });
      expect(filtered.status).toBe(400);
      expect(filtered.body.errors).toEqual([{ field: 'customerId', message: 'is not an accepted field' }]);
    });

    it('refuses a customerId in the order body instead of placing the order for someone else', async () => {
      const response = await api.request('POST', '/orders', {
        body: { ...orderBody(), customerId: 'c-bob' },
        as: 'c-alice',
      });
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ field: 'customerId', message: 'is not an accepted field' }]);
      const [{ n }] = await api.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM orders WHERE customer_id = 'c-bob'`,
      );
      expect(n).toBe('1');
    });

    it('cannot cancel another customer’s order: 404, and the order is untouched', async () => {
      const attempt = await api.request('POST', `/orders/${theirs}/cancel`, { as: 'c-alice' });
      expect(attempt.status).toBe(404);
      expect(attempt.body.code).toBe('ORDER_NOT_FOUND');
      const [row] = await api.db.query<{ cancel_requested_at: Date | null }>(
        'SELECT cancel_requested_at FROM orders WHERE id = $1',
        [theirs],
      );
      expect(row.cancel_requested_at).toBeNull();
      const order = await api.waitForOrder(theirs, isTerminalStatus, undefined, 'c-bob');
      expect(order).toMatchObject({ status: 'COMPLETED', cancellationRequested: false });
    });

    it('does not replay another customer’s order for their Idempotency-Key', async () => {
      const headers = { 'Idempotency-Key': 'shared-across-customers' };
      const bob = await api.request('POST', '/orders', { body: orderBody(), headers, as: 'c-bob' });
      const alice = await api.request('POST', '/orders', { body: orderBody(), headers, as: 'c-alice' });
      expect(alice.status).toBe(202);
      expect(alice.body.id).not.toBe(bob.body.id);
      expect(alice.body.customerId).toBe('c-alice');
    });
  });

  describe('operator routes need the orders:admin scope', () => {
    const OPERATOR_ROUTES: Array<{ method: string; route: string; body?: unknown }> = [
      { method: 'GET', route: '/admin/faults' },
      { method: 'PUT', route: '/admin/faults', body: { carrier: { latencyMs: 1 } } },
      { method: 'DELETE', route: '/admin/faults' },
      { method: 'POST', route: '/products/SKU-001/restock', body: { quantity: 1 } },
    ];

    it.each(OPERATOR_ROUTES)(
      '$method $route: 401 without a token, 403 with a customer’s, 200 with an operator’s',
      async ({ method, route, body }) => {
        const before = await failures('insufficient_scope');
        const anonymous = await api.request(method, route, { body, as: null });
        expect({ status: anonymous.status, code: anonymous.body.code }).toEqual({
          status: 401,
          code: 'AUTHENTICATION_REQUIRED',
        });
        const customer = await api.request(method, route, { body, as: 'c-alice' });
        expect({ status: customer.status, code: customer.body.code }).toEqual({
          status: 403,
          code: 'INSUFFICIENT_SCOPE',
        });
        expect(customer.headers.get('www-authenticate')).toBe(
          'Bearer realm="orders-api", error="insufficient_scope", scope="orders:admin"',
        );
        expect(customer.headers.get('content-type')).toBe('application/problem+json');
        expect(customer.body).toEqual({
          type: 'https://orders.example/errors/insufficient-scope',
          title: 'Insufficient scope',
          status: 403,
          detail: 'This route needs a token with the orders:admin scope',
          instance: route,
          code: 'INSUFFICIENT_SCOPE',
        });
        expect((await failures('insufficient_scope')) - before).toBe(1);
        expect((await api.request(method, route, { body, as: OPERATOR })).status).toBe(200);
      },
    );

    it('changed no stock for the refused restocks', async () => {
      const [{ stock }] = await api.db.query<{ stock: number }>(
        `SELECT stock FROM products WHERE sku = 'SKU-001'`,
      );
      const [{ ordered }] = await api.db.query<{ ordered: string }>(
        `SELECT coalesce(sum(quantity), 0) AS ordered FROM order_lines l JOIN orders o ON o.id = l.order_id
          WHERE l.sku = 'SKU-001' AND o.status = 'COMPLETED'`,
      );
      expect(stock).toBe(500 + 1 - Number(ordered)); // the operator's one unit, minus what was sold
    });
  });

  describe('public routes stay public', () => {
    it.each([
      '/products',
      '/products/SKU-001',
      '/health/live',
      '/health/ready',
      '/docs/openapi.json',
      '/docs',
    ])('GET %s answers 200 without a token, and with an invalid one', async (route) => {
      expect((await api.request('GET', route, { as: null })).status).toBe(200);
      expect(
        (await api.request('GET', route, { headers: { authorization: 'Bearer not-a-jwt' } })).status,
      ).toBe(200);
    });
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, OPERATOR_SCOPE, signAccessToken } from '@app/auth';
import { MetricsServer } from '@app/observability';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { parseExposition, valueOf } from '../../../tooling/prometheus-text';
import { orderBody, startApi, type RunningApi } from './support/api-harness';

const ISSUER = 'https://login.example.test/';
const AUDIENCE = 'orders-api-test';

/** An identity provider's key set over real HTTP, which can be switched off. */
async function startJwksServer(keys: JWK[]) {
  let up = false;
  let fetches = 0;
  const server: Server = createServer((request, response) => {
    if (request.url !== '/.well-known/jwks.json') return void response.writeHead(404).end();
    fetches++;
    if (!up) return void response.writeHead(503).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    setUp: (value: boolean) => (up = value),
    fetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Production mode: AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URL set, tokens verified against the issuer's
 * key set served by a real local HTTP server; the local development key is never accepted.
 */
describe('JWKS mode (AUTH_JWKS_URL: a real key-set server, real API and PostgreSQL)', () => {
  let jwks: Awaited<ReturnType<typeof startJwksServer>>;
  let api: RunningApi;
  let idpKey: CryptoKey;
  let kid: string;
  let metricsUrl: string;
  const issue = (claims: { sub: string; scope?: string; iss?: string; aud?: string }) =>
    new SignJWT(claims.scope ? { scope: claims.scope } : {})
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject(claims.sub)
      .setIssuer(claims.iss ?? ISSUER)
      .setAudience(claims.aud ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(idpKey);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const failures = async (reason: string) =>
    valueOf(parseExposition(await (await fetch(metricsUrl)).text()), 'auth_failures_total', { reason });

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    idpKey = pair.privateKey;
    const publicJwk = await exportJWK(pair.publicKey);
    kid = await calculateJwkThumbprint(publicJwk);
    jwks = await startJwksServer([{ ...publicJwk, kid, alg: 'RS256', use: 'sig' }]);
    api = await startApi({
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUTH_JWKS_URL: jwks.url,
      AUTH_ALGORITHMS: 'RS256',
    });
    metricsUrl = `http://127.0.0.1:${api.app.get(MetricsServer).port()}/metrics`;
  });
  afterAll(async () => {
    await api?.close();
    await jwks?.close();
  });

  it('answers 503 with Retry-After while the key set cannot be fetched, and recovers by itself', async () => {
    const token = await issue({ sub: 'c-jwks' });
    const before = await failures('key_set_unavailable');
    const down = await api.request('GET', '/orders', { headers: bearer(token) });
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 503, code: 'AUTHENTICATION_UNAVAILABLE' });
    expect(down.headers.get('retry-after')).toBe('5');
    expect((await failures('key_set_unavailable')) - before).toBe(1);

    jwks.setUp(true);
    expect((await api.request('GET', '/orders', { headers: bearer(token) })).status).toBe(200);
  });

  it('accepts the issuer’s tokens: the customer is their sub, operators need the scope', async () => {
    const customer = bearer(await issue({ sub: 'auth0|5f7c8ec7c33c6c004bbafe82' }));
    const placed = await api.request('POST', '/orders', { body: orderBody(), headers: customer });
    expect(placed.status).toBe(202);
    expect(placed.body.customerId).toBe('auth0|5f7c8ec7c33c6c004bbafe82');
    expect((await api.request('GET', `/orders/${placed.body.id}`, { headers: customer })).status).toBe(200);

    const restock = { body: { quantity: 1 } };
    expect(
      (await api.request('POST', '/products/SKU-001/restock', { ...restock, headers: customer })).status,
    ).toBe(403);
    const operator = bearer(await issue({ sub: 'ops-jwks', scope: `openid ${OPERATOR_SCOPE}` }));
    expect(
      (await api.request('POST', '/products/SKU-001/restock', { ...restock, headers: operator })).status,
    ).toBe(200);
  });

  it('refuses every token of the local development key, whatever it claims', async () => {
    const local = api.tokens.key;
    const tokens = [
      await api.tokens.token('c-42'), // local issuer and audience, as `npm run token` prints it
      await signAccessToken(local, { subject: 'c-42', issuer: ISSUER, audience: AUDIENCE }),
      await signAccessToken(local, {
        subject: 'ops-1',
        scopes: [OPERATOR_SCOPE],
        issuer: ISSUER,
        audience: AUDIENCE,
      }),
    ];
    for (const token of tokens) {
      const response = await api.request('GET', '/orders', { headers: bearer(token) });
      expect({ status: response.status, code: response.body.code }).toEqual({
        status: 401,
        code: 'INVALID_TOKEN',
      });
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
  });

  it('refuses the issuer’s key used for another issuer or audience', async () => {
    for (const token of [
      await issue({ sub: 'c-jwks', iss: LOCAL_ISSUER }),
      await issue({ sub: 'c-jwks', aud: LOCAL_AUDIENCE }),
    ])
      expect((await api.request('GET', '/orders', { headers: bearer(token) })).status).toBe(401);
  });

  it('fetched the key set once it was up, not once per request', () => {
    expect(jwks.fetches()).toBeLessThanOrEqual(4);
  });
});

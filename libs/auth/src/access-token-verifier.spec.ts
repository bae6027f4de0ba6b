import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { base64url, SignJWT } from 'jose';
import { AccessTokenVerifier } from './access-token-verifier';
import { signAccessToken } from './access-token';
import { LOCAL_ALGORITHM, LOCAL_AUDIENCE, LOCAL_ISSUER } from './auth.constants';
import { loadOrCreateLocalSigningKey, type LocalSigningKey } from './local-signing-key';
import { KeySetUnavailableError, TokenRejectedError } from './token-rejection';

describe('AccessTokenVerifier (local key)', () => {
  let dir: string;
  let key: LocalSigningKey;
  let otherKey: LocalSigningKey;
  let verifier: AccessTokenVerifier;

  const reasonOf = async (token: string) =>
    verifier.verify(token).then(
      () => 'accepted',
      (error: unknown) =>
        error instanceof TokenRejectedError ? error.reason : `unexpected: ${String(error)}`,
    );
  const rawToken = (header: object, payload: object, signature = '') =>
    [JSON.stringify(header), JSON.stringify(payload)].map((p) => base64url.encode(p)).join('.') +
    `.${signature}`;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'auth-verifier-'));
    key = await loadOrCreateLocalSigningKey(path.join(dir, 'key.json'));
    otherKey = await loadOrCreateLocalSigningKey(path.join(dir, 'other.json'));
    verifier = new AccessTokenVerifier({
      issuer: LOCAL_ISSUER,
      audience: LOCAL_AUDIENCE,
      algorithms: [LOCAL_ALGORITHM],
      keys: { kind: 'local', publicKey: key.publicKey },
    });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('accepts a token it signed and returns its subject and scopes', async () => {
    const token = await signAccessToken(key, { subject: 'c-42', scopes: ['orders:admin', 'x'] });
    const principal = await verifier.verify(token);
    expect(principal.subject).toBe('c-42');
    expect([...principal.scopes]).toEqual(['orders:admin', 'x']);
  });

  it('reads scopes from an `scp` list too', async () => {
    const token = await new SignJWT({ scp: ['orders:admin'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('ops-1')
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setExpirationTime('1h')
      .sign(key.privateKey);
    expect([...(await verifier.verify(token)).scopes]).toEqual(['orders:admin']);
  });

  it.each([
    ['expired', { expiresInSeconds: -3600 }, 'expired'],
    ['not yet valid', { notBeforeSeconds: 3600 }, 'not_yet_valid'],
    ['another issuer', { issuer: 'https://evil.example' }, 'wrong_issuer'],
    ['another audience', { audience: 'another-api' }, 'wrong_audience'],
    ['a subject too long for a customer id', { subject: 'c'.repeat(65) }, 'invalid_claims'],
    ['a subject with spaces', { subject: 'c 42' }, 'invalid_claims'],
  ])('rejects a token with %s', async (_name, claims, reason) => {
    expect(await reasonOf(await signAccessToken(key, { subject: 'c-42', ...claims }))).toBe(reason);
  });

  it('rejects a signature from another key', async () => {
    expect(await reasonOf(await signAccessToken(otherKey, { subject: 'c-42' }))).toBe('bad_signature');
  });

  it('rejects alg none, and HS256 keyed with the public key (algorithm confusion)', async () => {
    const claims = { sub: 'c-42', iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE, exp: Date.now() / 1000 + 3600 };
    expect(await reasonOf(rawToken({ alg: 'none', typ: 'JWT' }, claims))).toBe('algorithm_not_allowed');
    const publicKeyAsSecret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
    const confused = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(publicKeyAsSecret);
    expect(await reasonOf(confused)).toBe('algorithm_not_allowed');
  });

  it('rejects tokens without sub or exp, and scopes that are not strings', async () => {
    const sign = (payload: Record<string, unknown>) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .sign(key.privateKey);
    expect(await reasonOf(await sign({ exp: Date.now() / 1000 + 60 }))).toBe('invalid_claims');
    expect(await reasonOf(await sign({ sub: 'c-42' }))).toBe('invalid_claims');
    expect(await reasonOf(await sign({ sub: 'c-42', exp: Date.now() / 1000 + 60, scope: 42 }))).toBe(
      'invalid_claims',
    );
  });

  it('calls anything that is not a compact JWS malformed, never an unexpected error', async () => {
    const valid = await signAccessToken(key, { subject: 'c-42' });
    const [header, payload, signature] = valid.split('.');
    for (const token of [
      'abc',
      'a.b.c',
      `${header}.${payload}`,
      `${header}.${payload}.${signature}.x`,
      `${base64url.encode('{"alg":"ES256"')}.${payload}.${signature}`,
      `${header}.${base64url.encode('[1,2]')}.${signature}`,
      `${header}.${base64url.encode('not json')}.${signature}`,
      `..`,
    ])
      expect({ token, reason: await reasonOf(token) }).toEqual({
        token,
        reason: expect.stringMatching(/^(malformed|bad_signature)$/),
      });
  });
});

describe('AccessTokenVerifier (JWKS)', () => {
  it('reports an unreachable key set as unavailable, not as a bad token', async () => {
    const verifier = new AccessTokenVerifier({
      issuer: 'https://issuer.example',
      audience: 'orders-api',
      algorithms: ['RS256'],
      keys: { kind: 'jwks', url: new URL('http://127.0.0.1:9/jwks.json'), timeoutMs: 1_000 },
    });
    const token = rawJwt({ alg: 'RS256', kid: 'k1' });
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(KeySetUnavailableError);
  });
});

function rawJwt(header: object): string {
  const payload = { sub: 'c-1', exp: Math.floor(Date.now() / 1000) + 60 };
  return `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.c2ln`;
}

describe('AccessTokenVerifier with its cache of verified tokens', () => {
  let dir: string;
  let key: LocalSigningKey;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'auth-cache-'));
    key = await loadOrCreateLocalSigningKey(path.join(dir, 'key.json'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('checks a repeated token once, and refuses it past its exp all the same', async () => {
    let now = Date.now();
    const verifier = new AccessTokenVerifier({
      issuer: LOCAL_ISSUER,
      audience: LOCAL_AUDIENCE,
      algorithms: [LOCAL_ALGORITHM],
      keys: { kind: 'local', publicKey: key.publicKey },
      clockToleranceSeconds: 0,
      now: () => now,
    });
    const token = await signAccessToken(key, { subject: 'c-42', expiresInSeconds: 30 });
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).toBe(first); // the same object: from the cache
    now += 31_000; // past exp: the cache lets go, and the full check refuses it
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'expired' });
  });
});

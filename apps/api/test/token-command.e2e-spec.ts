import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { startApi, type RunningApi } from './support/api-harness';
import { REPO_ROOT } from '../../../tooling/repo-root';

/** `npm run --silent token -- …`, exactly as the README has it. */
function npmRunToken(args: string[], env: Record<string, string>) {
  return spawnSync('npm', ['run', '--silent', 'token', '--', ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('npm run token (the local development key)', () => {
  let dir: string;
  let keyFile: string;
  let api: RunningApi | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'token-command-'));
    keyFile = path.join(dir, 'auth/local-signing-key.json');
  });
  afterAll(async () => {
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a token valid for a day, before the API ever started, that the API then accepts', async () => {
    const customer = npmRunToken(['--customer', 'c-42'], { AUTH_LOCAL_KEY_FILE: keyFile });
    expect({ status: customer.status, stderr: customer.stderr }).toEqual({ status: 0, stderr: '' });
    const token = customer.stdout.trim();
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: 'c-42', iss: 'urn:orders:local-development', aud: 'orders-api' });
    expect(claims.exp! - claims.iat!).toBe(24 * 60 * 60);
    expect(claims.scope).toBeUndefined();

    const operator = npmRunToken(['--customer', 'ops-1', '--scope', 'orders:admin'], {
      AUTH_LOCAL_KEY_FILE: keyFile,
    });
    expect(decodeJwt(operator.stdout.trim()).scope).toBe('orders:admin');

    api = await startApi({}, { keyFile }); // the API finds the key the command created
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    expect((await api.request('GET', '/orders', { headers: bearer(token) })).status).toBe(200);
    const restock = { body: { quantity: 1 } };
    expect(
      (await api.request('POST', '/products/SKU-001/restock', { ...restock, headers: bearer(token) })).status,
    ).toBe(403);
    expect(
      (
        await api.request('POST', '/products/SKU-001/restock', {
          ...restock,
          headers: bearer(operator.stdout.trim()),
        })
      ).status,
    ).toBe(200);
  });

  it('refuses to print a token the API would refuse (AUTH_JWKS_URL set), or one without a customer', () => {
    const jwks = npmRunToken(['--customer', 'c-42'], {
      AUTH_LOCAL_KEY_FILE: keyFile,
      AUTH_JWKS_URL: 'https://login.example.com/.well-known/jwks.json',
    });
    expect({ status: jwks.status, stdout: jwks.stdout }).toEqual({ status: 1, stdout: '' });
    expect(jwks.stderr).toContain('AUTH_JWKS_URL is set');
    for (const args of [[], ['--customer', 'has spaces'], ['--customer', 'x'.repeat(65)], ['--bogus']]) {
      const bad = npmRunToken(args, { AUTH_LOCAL_KEY_FILE: keyFile });
      expect({ args, status: bad.status, stdout: bad.stdout }).toEqual({ args, status: 2, stdout: '' });
    }
  });
});

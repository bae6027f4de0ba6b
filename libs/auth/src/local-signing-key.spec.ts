import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadOrCreateLocalSigningKey } from './local-signing-key';

describe('loadOrCreateLocalSigningKey', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'local-key-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates a private ES256 JWK readable by its owner only, and reads the same key afterwards', async () => {
    const file = path.join(dir, 'auth/key.json');
    const created = await loadOrCreateLocalSigningKey(file);
    const jwk = JSON.parse(await readFile(file, 'utf8'));
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: created.kid });
    expect(jwk.d).toEqual(expect.any(String));
    expect((await stat(file)).mode & 0o077).toBe(0);
    expect(created.publicJwk).not.toHaveProperty('d');
    expect((await loadOrCreateLocalSigningKey(file)).kid).toBe(created.kid);
  });

  it('gives processes that start together one and the same key', async () => {
    const file = path.join(dir, 'key.json');
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateLocalSigningKey(file)));
    expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
    expect(await readdir(dir)).toEqual(['key.json']); // no temporary file left behind
  });

  it('refuses a file that is not a private P-256 key, naming the file', async () => {
    const file = path.join(dir, 'key.json');
    await writeFile(file, 'garbage');
    await expect(loadOrCreateLocalSigningKey(file)).rejects.toThrow(`${file} is not a JSON Web Key`);
    await writeFile(file, JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }));
    await expect(loadOrCreateLocalSigningKey(file)).rejects.toThrow(/private P-256/);
  });
});

import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';
import { LOCAL_ALGORITHM } from './auth.constants';

/** The development key pair: signs tokens for `npm run token` and the tests, verifies them in the API. */
export interface LocalSigningKey {
  /** JWK thumbprint (RFC 7638), carried as `kid` in every token's header. */
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** The public half as a JWK, e.g. to serve from a JWKS endpoint. */
  readonly publicJwk: JWK;
}

/**
 * Reads the key pair from `file` (a private JWK), creating it first when the file does not exist.
 * Creation is atomic: the key is written to a private temporary file and hard-linked into place, so
 * processes starting together agree on one key and nobody reads a half-written file.
 */
export async function loadOrCreateLocalSigningKey(file: string): Promise<LocalSigningKey> {
  const existing = await readKeyFile(file);
  if (existing) return fromPrivateJwk(existing);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair(LOCAL_ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const content = JSON.stringify({ ...jwk, alg: LOCAL_ALGORITHM, use: 'sig', kid: await thumbprint(jwk) });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, `${content}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process won the race
  } finally {
    await unlink(temporary);
  }
  return fromPrivateJwk((await readKeyFile(file))!);
}

/** Reads the key pair from `file`; undefined when there is none (nothing is created). */
export async function readLocalSigningKey(file: string): Promise<LocalSigningKey | undefined> {
  const jwk = await readKeyFile(file);
  return jwk ? fromPrivateJwk(jwk) : undefined;
}

async function readKeyFile(file: string): Promise<JWK | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as JWK;
  } catch {
    throw new Error(`${file} is not a JSON Web Key: remove it to have a new local key generated`);
  }
}

async function fromPrivateJwk(jwk: JWK): Promise<LocalSigningKey> {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d)
    throw new Error('the local signing key must be a private P-256 (ES256) JWK');
  const { d: _private, ...publicJwk } = jwk;
  const kid = await thumbprint(publicJwk);
  return {
    kid,
    privateKey: (await importJWK(jwk, LOCAL_ALGORITHM)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, LOCAL_ALGORITHM)) as CryptoKey,
    publicJwk: {
      kty: publicJwk.kty,
      crv: publicJwk.crv,
      x: publicJwk.x,
      y: publicJwk.y,
      alg: LOCAL_ALGORITHM,
      use: 'sig',
      kid,
    },
  };
}

const thumbprint = (jwk: JWK) =>
  calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, 'sha256');

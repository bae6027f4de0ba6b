import { randomUUID } from 'node:crypto';
import {
  LOCAL_ALGORITHM,
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  readLocalSigningKey,
  signAccessToken,
  type LocalSigningKey,
} from '@app/auth';
import { exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

/**
 * The tokens a fuzzed request can carry. `customer` and `other-customer` own the seeded orders;
 * everything from `expired` on is refused by a correct API.
 */
export const TOKEN_KINDS = [
  'customer',
  'other-customer',
  'operator',
  'expired',
  'not-yet-valid',
  'wrong-issuer',
  'wrong-audience',
  'wrong-key',
  'unknown-kid',
  'alg-none',
  'hs256-public-key',
  'subject-too-long',
  'odd-claims',
] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** Refused before any token is verified: not a well-formed bearer credential at all. */
export const MALFORMED_AUTHORIZATION: readonly string[] = [
  'Bearer',
  'Bearer ',
  'Bearer a.b.c',
  'Bearer eyJhbGciOiJFUzI1NiJ9.e30.',
  'Bearer not a token',
  'Bearer ....',
  'Basic dXNlcjpwYXNzd29yZA==',
  'Digest username="x"',
  'Token abc',
  `Bearer ${'A'.repeat(9_000)}`,
  'Bearer é',
];

export interface FuzzCredentials {
  /** The `sub` of `customer` and of `other-customer`. */
  readonly customers: readonly [string, string];
  /** The token (without `Bearer `) of a kind. */
  token(kind: TokenKind): string;
}

export interface CredentialOptions {
  customers: readonly [string, string];
  operator: { subject: string; scopes: readonly string[] };
}

/** Signs one token of each kind with the API's local key (`AUTH_LOCAL_KEY_FILE`) and a stranger's key. */
export async function createFuzzCredentials(
  keyFile: string,
  options: CredentialOptions,
): Promise<FuzzCredentials> {
  const key = await readLocalSigningKey(keyFile);
  if (!key)
    throw new Error(
      `no local signing key at ${keyFile}: start the API once, or pass its AUTH_LOCAL_KEY_FILE`,
    );
  const [customer, other] = options.customers;
  const stranger = await generateKeyPair(LOCAL_ALGORITHM);
  const unsignedPart = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const baseClaims = (): JWTPayload => {
    const now = Math.floor(Date.now() / 1000);
    return {
      sub: customer,
      iss: LOCAL_ISSUER,
      aud: LOCAL_AUDIENCE,
      iat: now,
      exp: now + 86_400,
      jti: randomUUID(),
    };
  };
  const signed = (
    claims: JWTPayload,
    signer: LocalSigningKey['privateKey'] = key.privateKey,
    kid = key.kid,
  ) => new SignJWT(claims).setProtectedHeader({ alg: LOCAL_ALGORITHM, typ: 'JWT', kid }).sign(signer);

  const tokens: Record<TokenKind, string> = {
    customer: await signAccessToken(key, { subject: customer }),
    'other-customer': await signAccessToken(key, { subject: other }),
    operator: await signAccessToken(key, {
      subject: options.operator.subject,
      scopes: options.operator.scopes,
    }),
    expired: await signAccessToken(key, { subject: customer, expiresInSeconds: -3_600 }),
    'not-yet-valid': await signAccessToken(key, { subject: customer, notBeforeSeconds: 3_600 }),
    'wrong-issuer': await signAccessToken(key, { subject: customer, issuer: 'https://login.example.com/' }),
    'wrong-audience': await signAccessToken(key, { subject: customer, audience: 'billing-api' }),
    'wrong-key': await signed(baseClaims(), stranger.privateKey),
    'unknown-kid': await signed(baseClaims(), stranger.privateKey, randomUUID()),
    'alg-none': `${unsignedPart({ alg: 'none', typ: 'JWT' })}.${unsignedPart(baseClaims())}.`,
    'hs256-public-key': await new SignJWT(baseClaims())
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .sign(new TextEncoder().encode(await exportSPKI(key.publicKey))),
    'subject-too-long': await signAccessToken(key, { subject: 'c'.repeat(200) }),
    'odd-claims': await signed({
      ...baseClaims(),
      sub: customer,
      scope: 42,
      scp: { admin: true },
      exp: 1e12,
    }),
  };
  return { customers: options.customers, token: (kind) => tokens[kind] };
}

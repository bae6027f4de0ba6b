import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { LOCAL_ALGORITHM, LOCAL_AUDIENCE, LOCAL_ISSUER, LOCAL_TOKEN_TTL_SECONDS } from './auth.constants';
import type { LocalSigningKey } from './local-signing-key';

export interface AccessTokenClaims {
  /** The customer (or operator) id: the token's `sub`. */
  subject: string;
  /** Granted scopes, written space-separated in `scope` (RFC 8693, RFC 9068). @default [] */
  scopes?: readonly string[];
  /** @default LOCAL_TOKEN_TTL_SECONDS (a day) */
  expiresInSeconds?: number;
  /** Seconds from now before which the token is not valid (`nbf`). @default 0 */
  notBeforeSeconds?: number;
  /** @default LOCAL_ISSUER */
  issuer?: string;
  /** @default LOCAL_AUDIENCE */
  audience?: string;
}

/** Signs an access token with the local key (ES256, `kid` = key thumbprint). */
export async function signAccessToken(key: LocalSigningKey, claims: AccessTokenClaims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims.scopes?.length ? { scope: claims.scopes.join(' ') } : {})
    .setProtectedHeader({ alg: LOCAL_ALGORITHM, typ: 'JWT', kid: key.kid })
    .setSubject(claims.subject)
    .setIssuer(claims.issuer ?? LOCAL_ISSUER)
    .setAudience(claims.audience ?? LOCAL_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + (claims.expiresInSeconds ?? LOCAL_TOKEN_TTL_SECONDS))
    .setJti(randomUUID());
  if (claims.notBeforeSeconds) jwt.setNotBefore(now + claims.notBeforeSeconds);
  return jwt.sign(key.privateKey);
}

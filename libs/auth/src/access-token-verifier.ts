import { createRemoteJWKSet, jwtVerify, type CryptoKey, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { CLOCK_TOLERANCE_SECONDS } from './auth.constants';
import type { Principal } from './principal';
import { classifyVerificationError, TokenRejectedError } from './token-rejection';
import { VerifiedTokenCache, type VerifiedTokenCacheOptions } from './verified-token-cache';

/** Where the verification keys come from: the local development key, or the issuer's JWKS. */
export type VerificationKeys =
  | { kind: 'local'; publicKey: CryptoKey }
  | {
      kind: 'jwks';
      url: URL;
      /** Deadline of one key-set fetch. @default 5000 */
      timeoutMs?: number;
    };

export interface AccessTokenVerifierOptions {
  issuer: string;
  audience: string;
  /** Accepted `alg` values; anything else (`none`, HS256, …) is refused before the signature is checked. */
  algorithms: readonly string[];
  keys: VerificationKeys;
  /** Clock skew tolerated on `exp` and `nbf`. @default CLOCK_TOLERANCE_SECONDS */
  clockToleranceSeconds?: number;
  /** Verified tokens remembered, so a repeated token skips the signature check. @default {} (on) */
  cache?: Omit<VerifiedTokenCacheOptions, 'now'> | false;
  /** The clock `exp` and `nbf` are checked against. @default Date.now */
  now?: () => number;
}

/**
 * Customer ids are stored in 64 characters: `sub` must be 1-64 visible ASCII characters (IdP subjects
 * such as `auth0|5f7c…` or UUIDs fit).
 */
const SUBJECT = /^[\x21-\x7E]{1,64}$/;
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 §3.3 scope-token

/**
 * Verifies bearer access tokens (signed JWTs) with `jose`: signature against the configured keys with an
 * explicit algorithm list, then `iss`, `aud`, `exp` and `nbf`; `sub` and `exp` are required. Throws
 * TokenRejectedError with the reason, or KeySetUnavailableError when the issuer's keys cannot be fetched.
 */
export class AccessTokenVerifier {
  private readonly key: CryptoKey | JWTVerifyGetKey;
  private readonly cache: VerifiedTokenCache | undefined;

  constructor(private readonly options: AccessTokenVerifierOptions) {
    this.key =
      options.keys.kind === 'local'
        ? options.keys.publicKey
        : createRemoteJWKSet(options.keys.url, { timeoutDuration: options.keys.timeoutMs ?? 5_000 });
    this.cache =
      options.cache === false ? undefined : new VerifiedTokenCache({ ...options.cache, now: options.now });
  }

  async verify(token: string): Promise<Principal> {
    const cached = this.cache?.get(token);
    if (cached) return cached;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as JWTVerifyGetKey, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: [...this.options.algorithms],
        requiredClaims: ['sub', 'exp'],
        clockTolerance: this.options.clockToleranceSeconds ?? CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date((this.options.now ?? Date.now)()),
      }));
    } catch (error) {
      throw classifyVerificationError(error, this.options.keys.kind === 'local' ? 'local' : 'remote');
    }
    if (typeof payload.sub !== 'string' || !SUBJECT.test(payload.sub))
      throw new TokenRejectedError('invalid_claims');
    const principal: Principal = { subject: payload.sub, scopes: scopesOf(payload) };
    this.cache?.set(token, principal, payload.exp!);
    return principal;
  }
}

/** `scope` (space-separated, RFC 8693/9068) or `scp` (a list, as some identity providers write it). */
function scopesOf(payload: JWTPayload): ReadonlySet<string> {
  const raw = payload.scope ?? payload.scp;
  if (raw === undefined) return new Set();
  const list = typeof raw === 'string' ? raw.split(' ').filter(Boolean) : raw;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && SCOPE.test(s)))
    throw new TokenRejectedError('invalid_claims');
  return new Set(list as string[]);
}

import { errors } from 'jose';

/**
 * Why a request's credentials were refused: the bounded label values of `auth_failures_total{reason}`.
 * Only the metric and the server's logs see these; a client is told `invalid_token` and nothing more.
 */
export const TOKEN_REJECTION_REASONS = [
  'missing',
  'malformed',
  'token_in_query',
  'expired',
  'not_yet_valid',
  'wrong_issuer',
  'wrong_audience',
  'algorithm_not_allowed',
  'bad_signature',
  'unknown_key',
  'invalid_claims',
  'insufficient_scope',
  'key_set_unavailable',
] as const;
export type TokenRejectionReason = (typeof TOKEN_REJECTION_REASONS)[number];

/** The token (or its absence) does not authenticate the request. */
export class TokenRejectedError extends Error {
  override readonly name = 'TokenRejectedError';
  constructor(
    readonly reason: Exclude<TokenRejectionReason, 'key_set_unavailable' | 'insufficient_scope'>,
    options?: { cause?: unknown },
  ) {
    super(`access token rejected: ${reason}`, options);
  }
}

/** The issuer's key set could not be fetched: nobody's token can be checked right now. */
export class KeySetUnavailableError extends Error {
  override readonly name = 'KeySetUnavailableError';
  readonly reason = 'key_set_unavailable' as const;
  constructor(options?: { cause?: unknown }) {
    super('the JSON Web Key Set of the token issuer is unavailable', options);
  }
}

const CLAIM_REASONS: Record<string, TokenRejectedError['reason']> = {
  iss: 'wrong_issuer',
  aud: 'wrong_audience',
  nbf: 'not_yet_valid',
};

const CODE_REASONS: Record<string, TokenRejectedError['reason']> = {
  ERR_JWT_EXPIRED: 'expired',
  ERR_JOSE_ALG_NOT_ALLOWED: 'algorithm_not_allowed',
  ERR_JOSE_NOT_SUPPORTED: 'algorithm_not_allowed',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'bad_signature',
  ERR_JWS_INVALID: 'malformed',
  ERR_JWT_INVALID: 'malformed',
  ERR_JWKS_NO_MATCHING_KEY: 'unknown_key',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'unknown_key',
};

/**
 * Turns what `jose` threw into a rejection with a reason, or a key-set outage. With remote keys, errors
 * that are not about the token (the key set's HTTP fetch failing, timing out or answering garbage) mean
 * the issuer is unreachable, not that the caller is wrong; with a local key there is nothing to fetch.
 */
export function classifyVerificationError(
  error: unknown,
  keys: 'local' | 'remote',
): TokenRejectedError | KeySetUnavailableError {
  if (error instanceof TokenRejectedError || error instanceof KeySetUnavailableError) return error;
  if (error instanceof errors.JWTClaimValidationFailed)
    return new TokenRejectedError(CLAIM_REASONS[error.claim] ?? 'invalid_claims', { cause: error });
  if (error instanceof errors.JOSEError) {
    const reason = CODE_REASONS[error.code];
    if (reason) return new TokenRejectedError(reason, { cause: error });
  }
  if (keys === 'local') return new TokenRejectedError('malformed', { cause: error });
  return new KeySetUnavailableError({ cause: error });
}

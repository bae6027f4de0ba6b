export {
  ASYMMETRIC_ALGORITHMS,
  CLOCK_TOLERANCE_SECONDS,
  DEFAULT_LOCAL_KEY_FILE,
  LOCAL_ALGORITHM,
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  LOCAL_TOKEN_TTL_SECONDS,
  OPERATOR_SCOPE,
} from './auth.constants';
export type { AsymmetricAlgorithm } from './auth.constants';
export { AccessTokenVerifier } from './access-token-verifier';
export type { AccessTokenVerifierOptions, VerificationKeys } from './access-token-verifier';
export { signAccessToken } from './access-token';
export type { AccessTokenClaims } from './access-token';
export { bearerTokenFrom } from './bearer-header';
export { loadOrCreateLocalSigningKey, readLocalSigningKey } from './local-signing-key';
export type { LocalSigningKey } from './local-signing-key';
export type { Principal } from './principal';
export {
  classifyVerificationError,
  KeySetUnavailableError,
  TOKEN_REJECTION_REASONS,
  TokenRejectedError,
} from './token-rejection';
export type { TokenRejectionReason } from './token-rejection';
export { VerifiedTokenCache } from './verified-token-cache';
export type { VerifiedTokenCacheOptions } from './verified-token-cache';

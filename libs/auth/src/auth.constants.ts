/** Scope an operator's token carries: restock, fault injection and every other `/admin` route. */
export const OPERATOR_SCOPE = 'orders:admin';

/** Issuer and audience of the tokens signed with the local development key (never accepted in JWKS mode). */
export const LOCAL_ISSUER = 'urn:orders:local-development';
export const LOCAL_AUDIENCE = 'orders-api';

/** The local key's algorithm: ECDSA P-256, the asymmetric algorithm every JOSE library supports. */
export const LOCAL_ALGORITHM = 'ES256';

/** Lifetime of a token printed by `npm run token`. */
export const LOCAL_TOKEN_TTL_SECONDS = 24 * 60 * 60;

/** Where the local signing key lives, beside the embedded database (`.data/`, git-ignored). */
export const DEFAULT_LOCAL_KEY_FILE = '.data/auth/local-signing-key.json';

/**
 * Algorithms a token may be signed with when verified against a JWKS: asymmetric ones only, so a
 * public key can never be used as an HMAC secret ("algorithm confusion") and `none` never passes.
 */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** Clock skew tolerated on `exp` and `nbf`. */
export const CLOCK_TOLERANCE_SECONDS = 30;

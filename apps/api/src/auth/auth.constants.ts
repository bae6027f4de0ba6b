/** DI token of the AccessTokenVerifier built from the configuration (local key or JWKS). */
export const ACCESS_TOKEN_VERIFIER = Symbol('ACCESS_TOKEN_VERIFIER');

/** Handler metadata: the scope a route needs beyond a valid token. */
export const REQUIRED_SCOPE = Symbol('REQUIRED_SCOPE');

/** Name of the bearer security scheme in the OpenAPI document. */
export const BEARER_SCHEME = 'bearer';

/** `realm` of the WWW-Authenticate challenges (RFC 6750 §3). */
export const AUTH_REALM = 'orders-api';

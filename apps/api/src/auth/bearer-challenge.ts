import type { KeySetUnavailableError, TokenRejectedError } from '@app/auth';
import { ApiError } from '../http/api-error';
import { AUTH_REALM } from './auth.constants';

/** A refusal: the API's error body, and the `WWW-Authenticate` challenge that goes with it (RFC 6750 §3). */
export interface AuthRefusal {
  error: ApiError;
  challenge?: string;
}

const challenge = (params: Record<string, string> = {}) =>
  [
    'Bearer',
    [`realm="${AUTH_REALM}"`, ...Object.entries(params).map(([k, v]) => `${k}="${v}"`)].join(', '),
  ].join(' ');

/**
 * What the client is told: whether to send a token, send it elsewhere, or get another one. Never why a
 * token failed (expired, wrong issuer, bad signature…): that stays in `auth_failures_total{reason}`.
 */
export function refusalFor(error: TokenRejectedError | KeySetUnavailableError): AuthRefusal {
  switch (error.reason) {
    case 'missing':
      return {
        error: new ApiError(
          401,
          'AUTHENTICATION_REQUIRED',
          'Send an access token: Authorization: Bearer <token>',
        ),
        challenge: challenge(),
      };
    case 'token_in_query':
      return {
        error: new ApiError(
          401,
          'INVALID_REQUEST',
          'Send the access token in the Authorization header, never in the URL',
        ),
        challenge: challenge({ error: 'invalid_request' }),
      };
    case 'key_set_unavailable':
      return {
        error: new ApiError(
          503,
          'AUTHENTICATION_UNAVAILABLE',
          'Access tokens cannot be checked right now; retry shortly',
        ),
      };
    default:
      return {
        error: new ApiError(401, 'INVALID_TOKEN', 'The access token is not valid'),
        challenge: challenge({ error: 'invalid_token' }),
      };
  }
}

export function insufficientScope(scope: string): AuthRefusal {
  return {
    error: new ApiError(403, 'INSUFFICIENT_SCOPE', `This route needs a token with the ${scope} scope`),
    challenge: challenge({ error: 'insufficient_scope', scope }),
  };
}

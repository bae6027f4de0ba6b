import {
  AccessTokenVerifier,
  bearerTokenFrom,
  KeySetUnavailableError,
  TokenRejectedError,
  type Principal,
} from '@app/auth';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ACCESS_TOKEN_VERIFIER } from './auth.constants';

export type Authentication =
  { ok: true; principal: Principal } | { ok: false; error: TokenRejectedError | KeySetUnavailableError };

const principals = new WeakMap<object, Principal>();

/** The verified caller of a request the guard let through; undefined before or without it. */
export function principalOf(request: object): Principal | undefined {
  return principals.get(request);
}

/**
 * Authenticates a request once, however many parts ask: the token from `Authorization: Bearer`, never
 * from the URL.
 */
@Injectable()
export class RequestAuthenticator {
  private readonly attempts = new WeakMap<object, Promise<Authentication>>();

  constructor(@Inject(ACCESS_TOKEN_VERIFIER) private readonly verifier: AccessTokenVerifier) {}

  authenticate(request: FastifyRequest): Promise<Authentication> {
    let attempt = this.attempts.get(request);
    if (!attempt) {
      attempt = this.attempt(request);
      this.attempts.set(request, attempt);
    }
    return attempt;
  }

  private async attempt(request: FastifyRequest): Promise<Authentication> {
    try {
      // RFC 6750 §2.3 allows it, but URLs end up in logs, proxies and browser history: refused.
      if (Object.hasOwn((request.query as object | undefined) ?? {}, 'access_token'))
        throw new TokenRejectedError('token_in_query');
      const principal = await this.verifier.verify(bearerTokenFrom(request.headers.authorization));
      principals.set(request, principal);
      return { ok: true, principal };
    } catch (error) {
      if (error instanceof TokenRejectedError || error instanceof KeySetUnavailableError)
        return { ok: false, error };
      throw error;
    }
  }
}
